#!/usr/bin/env python3
"""Python side of bench/tokenizer.mjs: encode throughput of the Rust-backed `tokenizers` package.

Reads a JSON request on stdin: {"tokenizer_json": path, "texts": [...], "runs": N, "mode": M}, and
prints one JSON object: the tokens of one pass and the wall-clock and CPU (time.process_time: all
threads of the process) seconds of each run, where mode M is
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
    seconds, cpu_seconds = [], []
    for _ in range(runs):
        start, cpu_start = time.perf_counter(), time.process_time()
        fn()
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(time.process_time() - cpu_start)
    return seconds, cpu_seconds


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
    seconds, cpu_seconds = timed(run, runs)
    json.dump(
        {"tokenizers_version": tokenizers.__version__, "tokens": tokens, "seconds": seconds, "cpu_seconds": cpu_seconds},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
