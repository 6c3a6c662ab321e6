/**
 * CLIP into X-CLIP, as the official code starts training: X-CLIP built from a CLIP state dict's shapes, CLIP's
 * tensors loaded, the rest initialised. Checked on the tiny CLIP fixture (test/fixtures/clip-e64, in each format
 * the fixture is written in) against
 * load-report.json, torch's `load_state_dict(strict=False)` result for the official X-CLIP: the report's three
 * counts and its groups' keys; CLIP's tensors bit for bit in what each engine's training starts from; and each
 * initialised tensor's distribution against the official initialisation, measured in torch
 * (test/weights/official_init.py) and, always, against its analytic mean, std and kurtosis.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { compile } from "../../src/compiler/compile.ts";
import type { ModelIR } from "../../src/compiler/0-core/schema.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import { currentEngine, engine, useEngine } from "../../src/runtime/backend/current.ts";
import type { Engine } from "../../src/runtime/backend/engine.ts";
import { createOnnxEngine } from "../../src/runtime/onnx/engine.ts";
import { ortMissing } from "../../src/runtime/onnx/session.ts";
import { trainingStart } from "../../src/runtime/run/load-params.ts";
import { initBackend } from "../../src/runtime/tfjs/backend.ts";
import { coverageCounts, formatCoverage, groupKeys } from "../../src/runtime/weights/coverage.ts";
import { loadCheckpoint, shapesOf } from "../../src/runtime/weights/load.ts";
import { toFloat32 } from "../../src/runtime/weights/tensor.ts";
import { needs, TORCH_PYTHON, torchMissing } from "../helpers/requires.ts";
import { FIXTURES } from "./helpers.ts";

const FILE = `${FIXTURES}/clip-e64/weights.pth`;
const report = JSON.parse(readFileSync(`${FIXTURES}/clip-e64/load-report.json`, "utf8")) as {
  clip_keys: number;
  xclip_keys: number;
  missing_keys: string[];
  unexpected_keys: string[];
};
const ckpt = loadCheckpoint(FILE);
const compiled = compile("models/xclip.mdl", fsHost, { weights: { file: FILE, shapes: shapesOf(ckpt) } });
assert.ok(compiled.value, compiled.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
const ir: ModelIR = compiled.value!;
const start = trainingStart(ir, ckpt);
const hyper = (name: string) => Number(ir.hyper.find((h) => h.name === name)!.value);
const sorted = (xs: Iterable<string>) => [...xs].sort();

test("the report's counts and groups are torch's load_state_dict(strict=False) result", () => {
  assert.is(ckpt.tensors.size, report.clip_keys);
  assert.is(ir.params.length, report.xclip_keys);
  assert.equal(coverageCounts(start.coverage), {
    loaded: report.clip_keys - report.unexpected_keys.length,
    initialised: report.missing_keys.length,
    ignored: report.unexpected_keys.length,
  });
  assert.equal(sorted(start.coverage.missing), sorted(report.missing_keys));
  assert.equal(sorted(start.coverage.unexpected), sorted(report.unexpected_keys));
  assert.equal(
    sorted(start.coverage.loaded),
    sorted([...ckpt.tensors.keys()].filter((k) => !report.unexpected_keys.includes(k))),
  );
  // the groups partition the initialised keys, each pattern selecting only them among the model's keys
  const groups = groupKeys(start.coverage.declared, new Set(start.coverage.missing));
  assert.equal(sorted(groups.flatMap((g) => g.keys)), sorted(report.missing_keys));
  assert.equal(
    groups.map((g) => `${g.pattern} ${g.keys.length}`),
    ["visual.transformer.resblocks.*.message_* 16", "mit 13", "prompts_generator 29", "prompts_visual_* 3"],
  );
  const text = formatCoverage(start.coverage);
  assert.ok(text.startsWith(`loaded 62 of ${report.xclip_keys} parameters, initialised 61, ignored 0\n`), text);
  // the hyperparameters came from CLIP's shapes
  assert.equal(
    ["embed", "width", "layers", "patch", "resolution", "context", "vocab", "text_width", "text_layers"].map(hyper),
    [64, 64, 2, 8, 32, 16, 512, 64, 2],
  );
});

// the same CLIP as the other writers write it (test/fixtures/clip-e64/make-formats.py)
const FORMATS = ["openai-jit.pt", "hf/model.safetensors", "hf-sharded", "openclip/epoch_1.pt"].map(
  (f) => `${FIXTURES}/clip-e64/${f}`,
);

test("OpenAI's TorchScript file, Hugging Face CLIPModel (whole and sharded) and open_clip give the same start", () => {
  for (const file of FORMATS) {
    const other = trainingStart(ir, loadCheckpoint(file));
    assert.equal(coverageCounts(other.coverage), coverageCounts(start.coverage), file);
    assert.equal(other.coverage.missing, start.coverage.missing, file);
    assert.equal(sorted(other.weights.keys()), sorted(start.weights.keys()), file);
    for (const [key, t] of start.weights) {
      const [a, b] = [toFloat32(t), toFloat32(other.weights.get(key)!)];
      assert.ok(
        Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
        `${file}: ${key}`,
      );
    }
  }
});

/** What each engine's training starts from (fit's createParams, in the engine's layout), back in torch's. */
async function startOn(e: Engine): Promise<Map<string, Float32Array>> {
  const f32 = new Map([...start.weights].map(([k, t]) => [k, { shape: t.shape, data: toFloat32(t) }]));
  const params = e.createParams(ir, f32, { trainable: false, seed: 0 });
  const out = new Map<string, Float32Array>();
  for (const [path, t] of params) out.set(path, Float32Array.from((await e.toTorchLayout(ir, path, t)).data));
  e.dispose(params.values());
  return out;
}

const engines: Map<string, Map<string, Float32Array>> = new Map();
const ortWhy = await ortMissing();
test.before(async () => {
  const before = currentEngine();
  await initBackend({ backend: "wasm", threads: 1 });
  engines.set(engine().name, await startOn(engine()));
  if (!ortWhy) engines.set("onnx", await startOn(await createOnnxEngine({ threads: 1 })));
  if (before) useEngine(before);
});

test(`CLIP's tensors start bit for bit as in the file, the rest the same on every engine (${ortWhy ? "tfjs only: " + ortWhy : "tfjs and ONNX Runtime"})`, () => {
  for (const [name, values] of engines) {
    for (const key of start.coverage.loaded) {
      const file = toFloat32(ckpt.tensors.get(key)!);
      const got = values.get(key)!;
      assert.ok(
        Buffer.from(got.buffer).equals(Buffer.from(file.buffer, file.byteOffset, file.byteLength)),
        `${name}: ${key} differs from the file`,
      );
    }
  }
  const [first, ...others] = [...engines.values()];
  for (const values of others)
    for (const key of start.coverage.missing)
      assert.ok(Buffer.from(values.get(key)!.buffer).equals(Buffer.from(first.get(key)!.buffer)), key);
});

interface Reference {
  mean: number;
  std: number;
  /** Of the distribution; undefined for a constant. */
  kurtosis?: number;
  /** Every element, for a constant. */
  value?: number;
}

/**
 * A tensor of n values drawn from `ref`: the mean within 4 standard errors, the std within 4 of its standard
 * errors (sigma sqrt((kurtosis - 1) / 4n)), the kurtosis within 4 sqrt(24 / n) (normal's), which tells a
 * uniform (1.8) from a normal (3) from 4,096 values on; a constant exactly, as f32.
 */
function assertDrawnFrom(key: string, x: Float32Array, ref: Reference): void {
  if (ref.value !== undefined) {
    const want = Math.fround(ref.value);
    const bad = x.findIndex((v) => v !== want);
    assert.ok(bad < 0, `${key}[${bad}] = ${x[bad]}, want exactly ${want}`);
    return;
  }
  const n = x.length;
  let mean = 0;
  for (const v of x) mean += v;
  mean /= n;
  let m2 = 0,
    m4 = 0;
  for (const v of x) {
    const d = (v - mean) ** 2;
    m2 += d;
    m4 += d * d;
  }
  const std = Math.sqrt(m2 / n);
  const kurtosis = m4 / n / (m2 / n) ** 2;
  const k = ref.kurtosis!;
  assert.ok(
    Math.abs(mean - ref.mean) < (4 * ref.std) / Math.sqrt(n),
    `${key}: mean ${mean}, want ${ref.mean} ± ${(4 * ref.std) / Math.sqrt(n)}`,
  );
  const stdTol = 4 * ref.std * Math.sqrt((k - 1) / (4 * n));
  assert.ok(Math.abs(std - ref.std) < stdTol, `${key}: std ${std}, want ${ref.std} ± ${stdTol}`);
  assert.ok(
    Math.abs(kurtosis - k) < 4 * Math.sqrt(24 / n),
    `${key}: kurtosis ${kurtosis}, want ${k} ± ${4 * Math.sqrt(24 / n)}`,
  );
}

const initialised = () => {
  const values = [...engines.values()][0];
  return start.coverage.missing.map((key) => [key, values.get(key)!] as const);
};

const withTorch = needs(test, torchMissing());
withTorch(
  `each initialised tensor is distributed as torch's own initialisation makes it (${TORCH_PYTHON}: torch.nn defaults, trunc_normal_, randn)`,
  () => {
    const cfg = {
      E: hyper("embed"),
      Dv: hyper("width"),
      T: hyper("frames"),
      layers: hyper("layers"),
      mit_layers: hyper("mit_layers"),
      prompts_layers: hyper("prompts_layers"),
      reps: 30,
    };
    const r = spawnSync(TORCH_PYTHON, ["test/weights/official_init.py", JSON.stringify(cfg)], {
      encoding: "utf8",
      env: { ...process.env, OMP_NUM_THREADS: "1" },
    });
    assert.is(r.status, 0, r.stderr);
    const torch = JSON.parse(r.stdout) as Record<
      string,
      { shape: number[]; mean: number; std: number; kurtosis: number | null; const: number | null }
    >;
    // the reference builds what the official code adds to CLIP: its keys are load_state_dict's missing keys
    assert.equal(sorted(Object.keys(torch)), sorted(report.missing_keys));
    for (const [key, x] of initialised()) {
      const t = torch[key];
      assert.equal(ir.params.find((p) => p.path === key)!.shape, t.shape, key);
      assertDrawnFrom(
        key,
        x,
        t.const === null
          ? { mean: t.mean, std: t.std, kurtosis: t.kurtosis! }
          : { mean: t.const, std: 0, value: t.const },
      );
    }
  },
);

/**
 * The official initialisation by key, read from microsoft/VideoX X-CLIP (cct.py, mit.py, prompt.py, xclip.py)
 * and torch's nn modules; the first matching rule applies. uniform(b): U(-b, b); xavier on in_proj_weight
 * [3d, d] is uniform(sqrt(6 / 4d)); nn.Linear's default is uniform(1 / sqrt(fan_in)); trunc_normal_(0.02) is cut
 * at +-2, 100 sigma out, so a normal.
 */
const OFFICIAL: [RegExp, (shape: number[]) => Reference][] = [
  [/(_ln|ln_\d|norm\d?)\.weight$/, () => ({ mean: 1, std: 0, value: 1 })],
  [/(_ln|ln_\d|norm\d?)\.bias$/, () => ({ mean: 0, std: 0, value: 0 })],
  [/\.message_fc\.(weight|bias)$/, () => uniform(1 / Math.sqrt(hyper("width")))],
  [/\.in_proj_weight$/, ([, d]) => uniform(Math.sqrt(6 / (4 * d)))],
  [/\.in_proj_bias$|\.message_attn\.out_proj\.bias$/, () => ({ mean: 0, std: 0, value: 0 })],
  [/\.message_attn\.out_proj\.weight$/, ([, fanIn]) => uniform(1 / Math.sqrt(fanIn))],
  [/^prompts_generator\.alpha$/, () => ({ mean: 0.1, std: 0, value: 0.1 })],
  [/^prompts_visual_proj$/, () => ({ mean: 0, std: 1, kurtosis: 3 })],
  [/^(mit|prompts_generator)\..*(weight|positional_embedding)$/, () => ({ mean: 0, std: 0.02, kurtosis: 3 })],
  [/^(mit|prompts_generator)\..*bias$/, () => ({ mean: 0, std: 0, value: 0 })],
];
const uniform = (b: number): Reference => ({ mean: 0, std: b / Math.sqrt(3), kurtosis: 1.8 });

test("each initialised tensor has the official initialisation's analytic mean, std and kurtosis", () => {
  for (const [key, x] of initialised()) {
    const rule = OFFICIAL.find(([re]) => re.test(key));
    assert.ok(rule, `no official rule for ${key}`);
    assertDrawnFrom(key, x, rule![1](ir.params.find((p) => p.path === key)!.shape));
  }
});

test.run();
