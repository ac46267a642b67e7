#!/usr/bin/env python3
"""Python side of bench/tokenizer.mjs: encode throughput of the Rust-backed `tokenizers` package.

Reads a JSON request on stdin: {"tokenizer_json": path, "texts": [...], "runs": N, "mode": M}, and
prints one JSON object: the tokens of one pass and the seconds of each run, where mode M is
- "single": `Tokenizer.encode` in a Python loop (the caller sets RAYON_NUM_THREADS=1);
- "batch":  `Tokenizer.encode_batch` on RAYON_NUM_THREADS threads (set by the caller).
It measures, it asserts nothing. Needs `pip install tokenizers` (the venv of
tools/fixtures/gen_tokenizer_reference.py has it).
"""

import json
import sys
import time

import tokenizers


def timed(fn, runs):
    fn()  # warm-up: fills the BPE caches, as the TypeScript side does
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    request = json.load(sys.stdin)
    tokenizer = tokenizers.Tokenizer.from_file(request["tokenizer_json"])
    texts = request["texts"]
    runs = request["runs"]
    tokens = sum(len(tokenizer.encode(t).ids) for t in texts)

    def single():
        for t in texts:
            tokenizer.encode(t)

    def batch():
        tokenizer.encode_batch(texts)

    run = single if request["mode"] == "single" else batch
    json.dump({"tokenizers_version": tokenizers.__version__, "tokens": tokens, "seconds": timed(run, runs)}, sys.stdout)


if __name__ == "__main__":
    main()
