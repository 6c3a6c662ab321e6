/**
 * Training checkpoints as users have them: the official X-CLIP `main.py` layout ({model, optimizer: AdamW
 * state, lr_scheduler, max_accuracy, epoch, config: a yacs CfgNode holding sets}) and a DistributedDataParallel
 * save (`module.` names) in fp16, zip and legacy. Each loads with the checkpoint as the only option and
 * reproduces the fixture's PyTorch outputs; only the model's tensors are used.
 * The files are written twice over: from TypeScript opcode by opcode (always), and by real torch through
 * /usr/bin/python3 (test/run/torch/training-checkpoints.py; skipped, with the reason, where torch is missing).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { loadCheckpoint } from "../../src/runtime/weights/load.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";
import { TORCH_PYTHON, needs, torchMissing } from "../helpers/requires.ts";
import { assertSameTensors } from "../weights/helpers.ts";
import { torchSaveLegacy, torchSaveZip, type Py } from "../weights/torch-writer.ts";
import { FIXTURES, wasm1 } from "./helpers.ts";
import { assertReproduces } from "./reproduce.ts";

await wasm1();
const dir = mkdtempSync(join(tmpdir(), "mdl-training-ckpt-"));
const FIXTURE = "xclip-tiny-e64";
const reference = readSafetensors(`${FIXTURES}/${FIXTURE}/weights.safetensors`).tensors;

const f32 = (shape: number[], fill: (i: number) => number): HostTensor => {
  const n = shape.reduce((a, d) => a * d, 1);
  return { dtype: "f32", shape, data: Float32Array.from({ length: n }, (_, i) => fill(i)) };
};

/** torch.optim.AdamW.state_dict() after some steps: per parameter index its step and both moments. */
function adamw(names: string[]): Py {
  const state: [Py, Py][] = names.map((name, i) => {
    const shape = reference.get(name)!.shape;
    return [
      i,
      {
        dict: [
          ["step", { tensor: f32([], () => 120) }],
          ["exp_avg", { tensor: f32(shape, (k) => 1e-4 * Math.sin(k + i)) }],
          ["exp_avg_sq", { tensor: f32(shape, (k) => 1e-8 * (1 + Math.cos(k))) }],
        ],
      },
    ];
  });
  const group = (params: number[], decay: number): Py => ({
    dict: [
      ["lr", { float: 7.9e-6 }],
      ["betas", { tuple: [{ float: 0.9 }, { float: 0.98 }] }],
      ["eps", { float: 1e-8 }],
      ["weight_decay", { float: decay }],
      ["amsgrad", false],
      ["maximize", false],
      ["foreach", null],
      ["capturable", false],
      ["differentiable", false],
      ["fused", null],
      ["initial_lr", { float: 8e-6 }],
      ["params", params],
    ],
  });
  const idx = names.map((_, i) => i);
  return {
    dict: [
      ["state", { dict: state }],
      [
        "param_groups",
        [
          group(
            idx.filter((i) => i % 2 === 0),
            0.001,
          ),
          group(
            idx.filter((i) => i % 2 === 1),
            0,
          ),
        ],
      ],
    ],
  };
}

/** yacs: a CfgNode's items, and in its __dict__ the deprecated keys (a set) and the rest of its bookkeeping. */
const cfg = (items: [string, Py][], deprecated: string[] = []): Py => ({
  cfg: items,
  state: {
    dict: [
      ["__immutable__", true],
      ["__deprecated_keys__", { set: deprecated }],
      ["__renamed_keys__", { dict: [] }],
      ["__new_allowed__", false],
    ],
  },
});

function officialLayout(prefix: string): Py {
  const names = [...reference.keys()];
  return {
    dict: [
      ["model", { ordered: names.map((n): [Py, Py] => [prefix + n, { tensor: reference.get(n)! }]) }],
      ["optimizer", adamw(names)],
      // timm's CosineLRScheduler.state_dict(), which X-CLIP's build_scheduler makes.
      [
        "lr_scheduler",
        {
          dict: [
            ["t_initial", 3000],
            ["lr_min", { float: 8e-8 }],
            ["warmup_t", 500],
            ["base_values", [{ float: 8e-6 }]],
            ["noise_range_t", null],
            ["t_in_epochs", false],
            ["cycle_limit", 1],
          ],
        },
      ],
      ["max_accuracy", { float: 80.4 }],
      ["epoch", 29],
      [
        "config",
        cfg(
          [
            [
              "DATA",
              cfg([
                ["NUM_FRAMES", 8],
                ["NUM_CLASSES", 400],
              ]),
            ],
            [
              "MODEL",
              cfg(
                [
                  ["ARCH", "ViT-B/32"],
                  ["PRETRAINED", null],
                ],
                ["MODEL.OLD_PRETRAINED"],
              ),
            ],
            [
              "TRAIN",
              cfg([
                ["LR", { float: 8e-6 }],
                ["OPTIMIZER", "adamw"],
                ["AUGMENT", { set: ["flip", "crop"], frozen: true }],
              ]),
            ],
            // torch.optim's MultiStepLR keeps its milestones as a Counter.
            [
              "MILESTONES",
              {
                counter: [
                  [30, 1],
                  [60, 1],
                ],
              },
            ],
          ],
          ["OLD_TOP_LEVEL_KEY"],
        ),
      ],
    ],
  };
}

const written: [string, string][] = [
  ["official main.py layout, zip", torchSaveZip(officialLayout(""))],
  ["official main.py layout, legacy", torchSaveLegacy(officialLayout(""))],
  ["DDP `module.` names in the main.py layout, legacy", torchSaveLegacy(officialLayout("module."))],
].map(([label, bytes], i) => {
  const file = join(dir, `ts-${i}.pth`);
  writeFileSync(file, bytes as Uint8Array);
  return [label as string, file];
});

for (const [label, file] of written) {
  test(`written from TypeScript: ${label} loads as the fixture's tensors and reproduces its outputs`, async () => {
    const ckpt = loadCheckpoint(file);
    assertSameTensors(ckpt.tensors, reference, label);
    assert.match(
      ckpt.notes[0],
      /took the state dict from `model`; skipped optimizer, lr_scheduler, max_accuracy, epoch, config/,
    );
    console.log(`  ${label}: ${await assertReproduces(FIXTURE, "models/xclip.mdl", file, false)}`);
  });
}

const withTorch = needs(test, torchMissing());
const torchDir = join(dir, "torch");

withTorch(
  "written by torch: main.py layout (AdamW after a step, CfgNode config) and DDP fp16, zip and legacy, reproduce the outputs",
  async () => {
    spawnSync("mkdir", ["-p", torchDir]);
    const r = spawnSync(
      TORCH_PYTHON,
      ["test/run/torch/training-checkpoints.py", `${FIXTURES}/${FIXTURE}/weights.pth`, torchDir],
      { encoding: "utf8", timeout: 300_000 },
    );
    assert.is(r.status, 0, r.stderr);
    for (const name of ["main.pth", "main-legacy.pth", "ddp-fp16.pth", "ddp-fp16-legacy.pth"]) {
      const file = join(torchDir, name);
      const fp16 = name.startsWith("ddp-fp16");
      const ckpt = loadCheckpoint(file);
      assert.is(ckpt.format, name.includes("legacy") ? "pth-legacy" : "pth-zip");
      if (fp16) {
        assert.equal(ckpt.notes.slice(1), [
          "removed the DistributedDataParallel prefix `module.` from every name",
          "converted f16 tensors to f32",
        ]);
        assert.equal(
          [...ckpt.sourceDtypes.values()].filter((d) => d !== "f16"),
          [],
        );
      } else assertSameTensors(ckpt.tensors, reference, name);
      console.log(`  torch ${name}: ${await assertReproduces(FIXTURE, "models/xclip.mdl", file, fp16)}`);
    }
  },
);

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
