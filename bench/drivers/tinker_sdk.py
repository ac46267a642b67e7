"""The official Tinker Python SDK side of benchmarks B1-B3 (bench/README.md).

Run by bench/b1-sampling.mjs, bench/b2-training-payloads.mjs and bench/b3-pipeline.mjs with the
interpreter of the parity harness's venv (tinker==0.38.0), against a tinker-local that runs in
another process. It uses the SDK's async API (awaiting the SDK's futures inside asyncio) and
prints one JSON object on stdout: the measurements plus this process's own CPU time and peak RSS
(getrusage of the whole process, the SDK's event-loop thread included).

Usage: python tinker_sdk.py '{"mode": "sample" | "train" | "pipeline", "base_url": ..., ...}'
Every mode mirrors bench/drivers/ours.mjs, step for step.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import sys
import time
from typing import Any

import numpy as np
import tinker
import zstandard
from tinker import types
from tinker.proto.request_conv import forward_backward_request_to_proto

API_KEY = "tml-bench"
BASE_MODEL = "Qwen/Qwen3-8B"
VOCAB = 151_000  # below Qwen3's 151,669 ids, as in ours.mjs


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def sampling_params() -> types.SamplingParams:
    return types.SamplingParams(max_tokens=16, temperature=1.0, seed=1)


async def run_sample(config: dict[str, Any]) -> dict[str, Any]:
    """`n` samples of an 8-token prompt with `concurrency` tasks, after `warmup` samples."""
    service = tinker.ServiceClient(base_url=config["base_url"], api_key=API_KEY)
    sampler = await service.create_sampling_client(base_model=BASE_MODEL)
    prompt = types.ModelInput.from_ints(list(range(1, 9)))
    params = sampling_params()
    latencies: list[float] = []

    async def run(total: int, record: bool) -> None:
        issued = 0

        async def worker() -> None:
            nonlocal issued
            while issued < total:
                issued += 1
                start = time.perf_counter()
                result = await sampler.sample(prompt=prompt, num_samples=1, sampling_params=params)
                if record:
                    latencies.append((time.perf_counter() - start) * 1000)
                assert len(result.sequences) == 1

        await asyncio.gather(*(worker() for _ in range(min(config["concurrency"], total))))

    await run(config["warmup"], False)
    cpu0 = cpu_seconds()
    start = time.perf_counter()
    await run(config["n"], True)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds() - cpu0,
        "latencies_ms": latencies,
        "peak_rss_bytes": peak_rss_bytes(),
    }


def make_data(datums: int, tokens: int) -> list[types.Datum]:
    """The batch of ours.mjs: int32 tokens, int64 target_tokens, float32 weights (first quarter 0)."""
    data = []
    i = np.arange(tokens, dtype=np.int64)
    for d in range(datums):
        ids = (d * 7919 + i * 104729) % VOCAB
        data.append(
            types.Datum(
                model_input=types.ModelInput.from_ints(ids.tolist()),
                loss_fn_inputs={
                    "target_tokens": types.TensorData.from_numpy(np.roll(ids, -1)),
                    "weights": types.TensorData.from_numpy((i >= tokens // 4).astype(np.float32)),
                },
            )
        )
    return data


def encode(model_id: str, data: list[types.Datum], compress: bool) -> bytes:
    """What the SDK's submit path does to a batch (resources/training.py), as one request."""
    request = types.ForwardBackwardRequest(
        forward_backward_input=types.ForwardBackwardInput(data=data, loss_fn="cross_entropy"),
        model_id=model_id,
        seq_id=1,
    )
    message = forward_backward_request_to_proto(request)
    message.forward_only = False
    body = message.SerializeToString()
    return zstandard.ZstdCompressor().compress(body) if compress else body


def hook_submissions() -> list[tuple[float, int]]:
    """Records when each forward_backward POST returned (perf_counter) and the peak RSS by then."""
    from tinker.resources.training import AsyncTrainingResource

    returned: list[tuple[float, int]] = []
    original = AsyncTrainingResource.forward_backward

    async def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = await original(self, *args, **kwargs)
        returned.append((time.perf_counter(), peak_rss_bytes()))
        return result

    AsyncTrainingResource.forward_backward = timed  # type: ignore[method-assign]
    return returned


async def run_train(config: dict[str, Any]) -> dict[str, Any]:
    """One forward_backward of datums x tokens: encode time, submit time, end-to-end time, RSS."""
    returned = hook_submissions()
    service = tinker.ServiceClient(base_url=config["base_url"], api_key=API_KEY)
    training = await service.create_lora_training_client(base_model=BASE_MODEL, rank=32)
    gc.collect()
    rss_before_data = rss_bytes()
    data = make_data(config["datums"], config["tokens"])
    rss_with_data = rss_bytes()

    submit_ms: list[float] = []
    e2e_ms: list[float] = []
    peak_after_first = 0
    peak_submitted = 0
    for rep in range(config["reps"] + 1):  # the first (cold) step is the warm-up
        returned.clear()
        start = time.perf_counter()
        future = training.forward_backward(data, "cross_entropy")
        output = await future
        end = time.perf_counter()
        assert len(output.loss_fn_outputs) == config["datums"]
        del output, future
        if rep == 0:
            peak_after_first = peak_rss_bytes()
            peak_submitted = max(peak for _, peak in returned)
            continue
        submit_ms.append((max(at for at, _ in returned) - start) * 1000)
        e2e_ms.append((end - start) * 1000)

    encode_ms: list[float] = []
    encode_cpu_ms: list[float] = []
    size = 0
    for rep in range(config["reps"] + 1):
        cpu0 = cpu_seconds()
        start = time.perf_counter()
        size = len(encode("bench:train:0", data, config["zstd"]))
        if rep > 0:
            encode_ms.append((time.perf_counter() - start) * 1000)
            encode_cpu_ms.append((cpu_seconds() - cpu0) * 1000)
    return {
        "encode_ms": encode_ms,
        "encode_cpu_ms": encode_cpu_ms,
        "submit_ms": submit_ms,
        "e2e_ms": e2e_ms,
        "body_bytes": size,
        "rss_before_data_bytes": rss_before_data,
        "rss_with_data_bytes": rss_with_data,
        "peak_rss_submitted_bytes": peak_submitted,
        "peak_rss_first_step_bytes": peak_after_first,
        "peak_rss_bytes": peak_rss_bytes(),
    }


async def run_pipeline(config: dict[str, Any]) -> dict[str, Any]:
    """`steps` pipelined forward_backward + optim_step: step i is submitted before step i-1 is awaited."""
    service = tinker.ServiceClient(base_url=config["base_url"], api_key=API_KEY)
    training = await service.create_lora_training_client(base_model=BASE_MODEL, rank=32)
    data = make_data(config["datums"], config["tokens"])
    adam = types.AdamParams(learning_rate=1e-4)

    async def steps(count: int) -> None:
        previous = None
        for _ in range(count):
            current = (training.forward_backward(data, "cross_entropy"), training.optim_step(adam))
            if previous is not None:
                await previous[0]
                await previous[1]
            previous = current
        assert previous is not None
        await previous[0]
        await previous[1]

    await steps(config["warmup"])
    seconds: list[float] = []
    cpu: list[float] = []
    for _ in range(config["reps"]):
        cpu0 = cpu_seconds()
        start = time.perf_counter()
        await steps(config["steps"])
        seconds.append(time.perf_counter() - start)
        cpu.append(cpu_seconds() - cpu0)
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_bytes": peak_rss_bytes()}


def main() -> None:
    config = json.loads(sys.argv[-1])
    runner = {"sample": run_sample, "train": run_train, "pipeline": run_pipeline}[config["mode"]]
    result = asyncio.run(runner(config))
    result["tinker_version"] = tinker.__version__
    result["python"] = sys.version.split()[0]
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    # The SDK's background thread and heartbeats would keep the process alive; the measurement is done.
    os._exit(0)


if __name__ == "__main__":
    main()
