import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors } from "../backend/safetensors.js";
import { DEFAULT_ADAM_PARAMS } from "./adamw.js";
import { adapterFiles, loadCheckpoint, restoreCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { createRng, randomDatum, randomTokens, smallBase } from "./tiny.test-helpers.js";
import { TinyTrainingModel } from "./training-model.js";

const lora = { rank: 3, seed: 4, targets: { attn: true, mlp: true, unembed: true } };
const adam = { ...DEFAULT_ADAM_PARAMS, learning_rate: 1e-2, weight_decay: 0.1 };
const asRecord = (files: { name: string; bytes: Uint8Array }[]) =>
  Object.fromEntries(files.map((f) => [f.name, f.bytes]));

function trainedModel(steps: number) {
  const rng = createRng(["checkpoint"]);
  const data = [randomDatum(rng, "cross_entropy", randomTokens(rng, 8, 37))];
  const model = new TinyTrainingModel(smallBase("float32"), { lora });
  for (let i = 0; i < steps; i++) {
    model.forwardBackward(data, "cross_entropy");
    model.optimStep(adam);
  }
  return { model, data };
}

describe("checkpoints (compute-semantics §8)", () => {
  it("save_state → load into a fresh model → the next step equals the uninterrupted run", () => {
    const { model, data } = trainedModel(3);
    const files = asRecord(saveCheckpoint(model, "training"));
    expect(Object.keys(files).sort()).toEqual([
      "adapter_config.json",
      "adapter_model.safetensors",
      "checkpoint_complete",
      "optimizer.safetensors",
    ]);
    const resumed = new TinyTrainingModel(smallBase("float32"), { lora: { ...lora, seed: 99 } });
    restoreCheckpoint(resumed, files, { optimizer: true });
    expect(resumed.optimizer.step).toBe(3);
    for (const m of [model, resumed]) {
      m.forwardBackward(data, "cross_entropy");
      m.optimStep(adam);
    }
    const next = (m: TinyTrainingModel) => m.forward(data, "cross_entropy").metrics["loss:sum"];
    expect(next(resumed)).toBe(next(model));
    // Weights only (load_state): same weights, fresh optimizer, so the next step differs.
    const weightsOnly = new TinyTrainingModel(smallBase("float32"), { lora });
    restoreCheckpoint(weightsOnly, files, { optimizer: false });
    expect(weightsOnly.optimizer.step).toBe(0);
  });

  it("writes a PEFT adapter_config.json and sampler checkpoints without optimizer state", () => {
    const { model } = trainedModel(1);
    const files = asRecord(saveCheckpoint(model, "sampler"));
    expect(Object.keys(files).sort()).toEqual([
      "adapter_config.json",
      "adapter_model.safetensors",
      "checkpoint_complete",
    ]);
    expect(files["checkpoint_complete"]).toHaveLength(0);
    const config = JSON.parse(new TextDecoder().decode(files["adapter_config.json"]));
    expect(config).toMatchObject({
      peft_type: "LORA",
      task_type: "CAUSAL_LM",
      r: 3,
      lora_alpha: 32,
      base_model_name_or_path: "test/tiny-small",
      target_modules: [
        "q_proj",
        "k_proj",
        "v_proj",
        "o_proj",
        "gate_proj",
        "up_proj",
        "down_proj",
        "lm_head",
      ],
    });
    const names = [...decodeSafetensors(files["adapter_model.safetensors"]!).tensors.keys()];
    expect(names).toContain("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
    expect(names).toContain("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight");
    expect(names).toContain("base_model.model.lm_head.lora_B.weight");
    expect(() => restoreCheckpoint(model, files, { optimizer: true })).toThrow("no optimizer state");
    const loaded = loadCheckpoint(smallBase("float64"), files, { optimizer: false });
    expect(Array.from(loaded.adapter.modules[0]!.B)).toEqual(Array.from(model.adapter.modules[0]!.B));
  });

  it("rejects checkpoints of another base model, rank or shape", () => {
    const { model } = trainedModel(1);
    const files = asRecord(saveCheckpoint(model, "training"));
    const edit = (change: (config: Record<string, unknown>) => void) => {
      const config = JSON.parse(new TextDecoder().decode(files["adapter_config.json"]));
      change(config);
      return { ...files, "adapter_config.json": new TextEncoder().encode(JSON.stringify(config)) };
    };
    expect(() =>
      loadCheckpoint(
        smallBase(),
        { ...files, "adapter_config.json": new Uint8Array(0) },
        { optimizer: false },
      ),
    ).toThrow("not JSON");
    expect(() =>
      loadCheckpoint(
        smallBase(),
        edit((c) => {
          c["base_model_name_or_path"] = "other";
        }),
        { optimizer: false },
      ),
    ).toThrow("belongs to base model other");
    expect(() =>
      loadCheckpoint(
        smallBase(),
        edit((c) => {
          c["r"] = 0;
        }),
        { optimizer: false },
      ),
    ).toThrow("no valid rank");
    expect(() =>
      loadCheckpoint(
        smallBase(),
        edit((c) => {
          c["lora_alpha"] = 16;
        }),
        { optimizer: false },
      ),
    ).toThrow("lora_alpha 16");
    expect(() =>
      loadCheckpoint(
        smallBase(),
        edit((c) => {
          c["target_modules"] = ["q_proj"];
        }),
        { optimizer: false },
      ),
    ).toThrow("not a selection");
    expect(() =>
      loadCheckpoint(
        smallBase(),
        edit((c) => {
          c["r"] = 4;
        }),
        { optimizer: false },
      ),
    ).toThrow("has shape [3, 8], expected [4, 8]");
    expect(() =>
      loadCheckpoint(
        smallBase(),
        { "adapter_config.json": files["adapter_config.json"]! },
        { optimizer: false },
      ),
    ).toThrow("lacks adapter_model.safetensors");
    const attnOnly = new TinyTrainingModel(smallBase("float32"), {
      lora: { ...lora, targets: { attn: true, mlp: false, unembed: false } },
    });
    expect(() => restoreCheckpoint(attnOnly, files, { optimizer: false })).toThrow(
      "rank 3 on [q_proj, k_proj, v_proj, o_proj]",
    );
    const extra = adapterFiles("test/tiny-small", attnOnly.adapter);
    const mixed = { ...asRecord(extra), "adapter_model.safetensors": files["adapter_model.safetensors"]! };
    expect(() => loadCheckpoint(smallBase(), mixed, { optimizer: false })).toThrow(
      "tensors this adapter does not have",
    );
    const noStep = { ...files, "optimizer.safetensors": encodeSafetensors([], {}) };
    expect(() => loadCheckpoint(smallBase(), noStep, { optimizer: true })).toThrow("no valid step count");
    const missing = { ...files, "adapter_model.safetensors": encodeSafetensors([], {}) };
    expect(() => loadCheckpoint(smallBase(), missing, { optimizer: false })).toThrow(
      "lacks tensor base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
    );
  });

  // Runs only when SAFETENSORS_PYTHON names a Python with `safetensors` and `numpy`.
  const python = process.env["SAFETENSORS_PYTHON"];
  it.skipIf(!python)("loads with the Python safetensors package with PEFT names and shapes", () => {
    const { model } = trainedModel(1);
    const files = asRecord(saveCheckpoint(model, "sampler"));
    const dir = mkdtempSync(join(tmpdir(), "tiny-safetensors-"));
    try {
      const expected = Object.fromEntries(
        model.adapter.modules.flatMap((m) => [
          [`base_model.model.${m.path}.lora_A.weight`, [3, m.inFeatures]],
          [`base_model.model.${m.path}.lora_B.weight`, [m.outFeatures, 3]],
        ]),
      );
      writeFileSync(join(dir, "adapter_model.safetensors"), files["adapter_model.safetensors"]!);
      writeFileSync(join(dir, "expected.json"), JSON.stringify(expected));
      const script = new URL("../../../../tools/fixtures/check_tiny_safetensors.py", import.meta.url)
        .pathname;
      const out = execFileSync(
        python!,
        [script, join(dir, "adapter_model.safetensors"), join(dir, "expected.json")],
        { encoding: "utf8" },
      );
      console.log(`python safetensors: ${out.trim()}`);
      expect(JSON.parse(out)).toEqual({ tensors: 30, dtypes: ["float32"], match: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
