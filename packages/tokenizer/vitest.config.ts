import { sharedVitestConfig } from "../../vitest.shared.ts";

// Worker-thread and Hub-download tests build full Qwen3/Llama 3 tokenizers (150k-entry
// vocabularies) in every worker: seconds each on a loaded 2-core machine, so the default 20 s
// per test is too tight there.
export default sharedVitestConfig({ testTimeoutMs: 120_000 });
