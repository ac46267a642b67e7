"""Runs one parity scenario with the official Tinker Python SDK.

The scenario comes from the shared description (tools/parity/scenarios/scenarios.json); the
TypeScript side (tools/parity/scripts/ts-driver.ts) interprets the same description with
@tinker-ts/clients. The harness starts a fresh tinker-local per scenario and side, runs this
script against it, and diffs what the server recorded.

Usage:
  python driver.py --scenarios FILE --scenario NAME --base-url URL --api-key KEY \
      --admin-token TOKEN --out RESULTS.json

The results file holds, per step, a JSON summary of what the SDK returned (losses, logprobs,
sampled tokens, REST responses) or the error it raised, and `ok: false` with the error text when
the scenario itself failed. The exit code is 0 when the scenario completed as described.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
import urllib.request
from datetime import date
from typing import Any, Callable

import numpy as np
import tinker
from tinker import types

try:  # forward_backward_custom needs PyTorch; see custom_forward_backward below.
    import torch
except ImportError:  # pragma: no cover - depends on the venv
    torch = None


# --- values -------------------------------------------------------------------------------


def resolve(value: Any, env: dict[str, Any]) -> Any:
    """Replaces "$name.field" strings with values saved by earlier steps (`as`)."""
    if isinstance(value, str) and value.startswith("$"):
        head, *rest = value[1:].split(".")
        current: Any = env[head]
        for key in rest:
            current = current[int(key)] if isinstance(current, list) else current[key]
        return current
    if isinstance(value, list):
        return [resolve(v, env) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, env) for k, v in value.items()}
    return value


def tensor(spec: dict[str, Any]) -> types.TensorData:
    data = spec["data"]
    return types.TensorData(data=data, dtype=spec["dtype"], shape=spec.get("shape", [len(data)]))


def model_input(chunks: list[list[int]]) -> types.ModelInput:
    return types.ModelInput(
        chunks=[types.EncodedTextChunk(tokens=tokens) for tokens in chunks]
    )


def datum(spec: dict[str, Any]) -> types.Datum:
    return types.Datum(
        model_input=model_input(spec["model_input"]),
        loss_fn_inputs={name: tensor(t) for name, t in spec["loss_fn_inputs"].items()},
    )


def tolist(values: Any) -> list[Any]:
    return np.asarray(values).tolist() if not isinstance(values, list) else list(values)


def plain(value: Any) -> Any:
    """A JSON view of an SDK response (pydantic models, lists, numbers)."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def tensor_summary(td: types.TensorData) -> dict[str, Any]:
    return {"dtype": td.dtype, "shape": list(td.shape or []), "data": tolist(td.data)}


def fwdbwd_summary(out: types.ForwardBackwardOutput) -> dict[str, Any]:
    return {
        "loss_fn_output_type": out.loss_fn_output_type,
        "metrics": dict(out.metrics),
        "loss_fn_outputs": [
            {name: tensor_summary(td) for name, td in sorted(o.items())} for o in out.loss_fn_outputs
        ],
    }


def sample_summary(res: types.SampleResponse) -> dict[str, Any]:
    return {
        "sequences": [
            {
                "tokens": tolist(s.tokens),
                "logprobs": None if s.logprobs is None else tolist(s.logprobs),
                "stop_reason": s.stop_reason,
            }
            for s in res.sequences
        ],
        "prompt_logprobs": None if res.prompt_logprobs is None else tolist(res.prompt_logprobs),
        "topk_prompt_logprobs": None
        if res.topk_prompt_logprobs is None
        else [None if row is None else [list(pair) for pair in row] for row in res.topk_prompt_logprobs],
    }


def sampling_params(spec: dict[str, Any]) -> types.SamplingParams:
    return types.SamplingParams(**spec)


# --- custom losses (the same definitions live in scripts/ts-driver.ts) ---------------------


def squared_logprob_torch(data: list[types.Datum], logprobs_list: list[Any]) -> tuple[Any, dict[str, float]]:
    """C = sum over datums and positions of weights * logprobs**2."""
    assert torch is not None
    total = sum(
        (d.loss_fn_inputs["weights"].to_torch() * lp * lp).sum() for d, lp in zip(data, logprobs_list)
    )
    return total, {"custom_sq:sum": float(total.detach().item())}


def custom_forward_backward(tc: Any, data: list[types.Datum], loss: str) -> dict[str, Any]:
    if loss != "squared_logprob":
        raise ValueError(f"unknown custom loss {loss!r}")
    if torch is not None:
        return fwdbwd_summary(tc.forward_backward_custom(data, squared_logprob_torch).result())
    # Without PyTorch (its PyPI wheels for Linux pull in gigabytes of CUDA libraries) the SDK
    # refuses forward_backward_custom. This branch performs the SDK's documented two-phase
    # algorithm with its public calls instead: a forward with the datums' target_tokens and
    # weights, then a cross_entropy forward_backward with weights = -dC/dlogprobs, the loss
    # reported as C and the backward's own loss as surrogate_loss:sum. The harness marks the
    # scenario as run this way in REPORT.md.
    fwd = tc.forward(data, "cross_entropy").result()
    backward_data = []
    total = 0.0
    for d, out in zip(data, fwd.loss_fn_outputs):
        lp = np.asarray(out["logprobs"].data, dtype=np.float32)
        w = np.asarray(d.loss_fn_inputs["weights"].data, dtype=np.float32)
        total += float((w * lp * lp).sum(dtype=np.float32))
        grad = (2 * w * lp).astype(np.float32)
        backward_data.append(
            types.Datum(
                model_input=d.model_input,
                loss_fn_inputs={
                    "target_tokens": d.loss_fn_inputs["target_tokens"],
                    "weights": types.TensorData(data=(-grad).tolist(), dtype="float32", shape=[len(grad)]),
                },
            )
        )
    bwd = tc.forward_backward(backward_data, "cross_entropy").result()
    summary = fwdbwd_summary(bwd)
    metrics = summary["metrics"]
    metrics["surrogate_loss:sum"] = metrics.pop("loss:sum")
    metrics["custom_sq:sum"] = total
    metrics["loss:sum"] = total
    return summary


# --- steps ---------------------------------------------------------------------------------


class Runner:
    def __init__(self, base_url: str, api_key: str, admin_token: str) -> None:
        self.base_url = base_url
        self.admin_token = admin_token
        self.service = tinker.ServiceClient(base_url=base_url, api_key=api_key)
        self.objects: dict[str, Any] = {}  # clients saved with `as`
        self.values: dict[str, Any] = {}  # JSON summaries saved with `as`
        self.deferred: list[tuple[dict[str, Any], Any, Callable[[Any], Any]]] = []
        self._rest: Any = None

    @property
    def rest(self) -> Any:
        if self._rest is None:
            self._rest = self.service.create_rest_client()
        return self._rest

    def admin(self, method: str, path: str, body: Any) -> None:
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode(),
            method=method,
            headers={"content-type": "application/json", "x-admin-token": self.admin_token},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def run(self, step: dict[str, Any]) -> Any:
        op = step["op"]
        args = resolve(step.get("args", {}), self.values)
        target = self.objects.get(step.get("client", ""))
        if op == "sleep":
            time.sleep(args["ms"] / 1000)
            return None
        if op == "admin_set_faults":
            self.admin("PUT", "/_admin/faults", args)
            return None
        if op == "admin_pause":
            self.admin("POST", "/_admin/pause", args)
            return None
        if op == "wait":
            results = []
            for deferred_step, future, summarize in self.deferred:
                result = summarize(future.result())
                if "as" in deferred_step:
                    self.values[deferred_step["as"]] = result
                results.append({"id": deferred_step["id"], "result": result})
            self.deferred = []
            return results
        future, summarize = self.call(op, args, target)
        if step.get("defer"):
            self.deferred.append((step, future, summarize))
            return {"deferred": True}
        value = future.result() if hasattr(future, "result") else future
        if op in ("create_lora_training_client", "create_sampling_client", "save_weights_and_get_sampling_client"):
            self.objects[step["as"]] = value
            return summarize(value)
        return summarize(value)

    def call(self, op: str, a: dict[str, Any], target: Any) -> tuple[Any, Callable[[Any], Any]]:
        sc = self.service
        ident: Callable[[Any], Any] = plain
        if op == "get_server_capabilities":
            return sc.get_server_capabilities(), plain
        if op == "create_lora_training_client":
            return sc.create_lora_training_client(**a), lambda tc: {}
        if op == "create_sampling_client":
            source = target if target is not None else sc
            return source.create_sampling_client(**a), lambda s: {}
        if op == "forward_backward":
            return target.forward_backward([datum(d) for d in a["data"]], a["loss_fn"], a.get("loss_fn_config")), fwdbwd_summary
        if op == "forward":
            return target.forward([datum(d) for d in a["data"]], a["loss_fn"], a.get("loss_fn_config")), fwdbwd_summary
        if op == "forward_backward_custom":
            return custom_forward_backward(target, [datum(d) for d in a["data"]], a["loss"]), ident
        if op == "optim_step":
            return target.optim_step(types.AdamParams(**a["adam_params"])), plain
        if op == "save_state":
            return target.save_state(a["name"], ttl_seconds=a.get("ttl_seconds")), plain
        if op == "load_state":
            return target.load_state(a["path"]), plain
        if op == "load_state_with_optimizer":
            return target.load_state_with_optimizer(a["path"]), plain
        if op == "save_weights_for_sampler":
            return target.save_weights_for_sampler(a["name"], ttl_seconds=a.get("ttl_seconds")), plain
        if op == "save_weights_and_get_sampling_client":
            return target.save_weights_and_get_sampling_client(), lambda s: {}
        if op == "get_info":
            return target.get_info(), plain
        if op == "sample":
            return (
                target.sample(
                    model_input(a["prompt"]),
                    num_samples=a.get("num_samples", 1),
                    sampling_params=sampling_params(a["sampling_params"]),
                    include_prompt_logprobs=a.get("include_prompt_logprobs", False),
                    topk_prompt_logprobs=a.get("topk_prompt_logprobs", 0),
                ),
                sample_summary,
            )
        if op == "compute_logprobs":
            return target.compute_logprobs(model_input(a["prompt"])), lambda v: tolist(v)
        if op.startswith("rest."):
            return self.rest_call(op[len("rest.") :], a), plain
        raise ValueError(f"unknown op {op!r}")

    def rest_call(self, method: str, a: dict[str, Any]) -> Any:
        rest = self.rest
        if method == "get_audit_log" and "day" in a:
            a = {**a, "day": date.fromisoformat(a["day"])}
        return getattr(rest, method)(**a)


def error_summary(error: BaseException) -> dict[str, Any]:
    return {"error": type(error).__name__, "status": getattr(error, "status_code", None)}


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("scenarios", "scenario", "base-url", "api-key", "admin-token", "out"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args()
    with open(args.scenarios, encoding="utf-8") as f:
        description = json.load(f)
    scenario = next(s for s in description["scenarios"] if s["name"] == args.scenario)
    output: dict[str, Any] = {"sdk": "python", "sdk_version": tinker.__version__, "steps": [], "ok": True}
    output["custom_loss_mode"] = "sdk" if torch is not None else "composition"
    runner = Runner(args.base_url, args.api_key, args.admin_token)
    runner.values["data"] = description.get("data", {})
    try:
        for step in scenario["steps"]:
            entry: dict[str, Any] = {"id": step["id"], "op": step["op"]}
            try:
                result = runner.run(step)
                if step.get("expect_error"):
                    raise AssertionError(f"step {step['id']} should have failed with {step['expect_error']}")
                entry["result"] = result
            except Exception as error:  # noqa: BLE001 - reported per step
                if not step.get("expect_error"):
                    raise
                entry["result"] = error_summary(error)
            if "as" in step and not step.get("defer"):
                runner.values[step["as"]] = entry["result"]
            output["steps"].append(entry)
    except BaseException as error:  # noqa: BLE001 - the harness reports it
        output["ok"] = False
        output["error"] = "".join(traceback.format_exception(error))
    finally:
        try:
            runner.service.close("success").result()
        except Exception as error:  # noqa: BLE001
            output["ok"] = False
            output["error"] = output.get("error", "") + f"\nclose failed: {error!r}"
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(output, f, indent=1)
    return 0 if output["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
