/**
 * Every op's samples (src/compiler/ops/samples.ts) on every engine, as PyTorch's OpInfo tests do: for each
 * sample the one-op VJP graph (compiler/5-train/op-vjp.ts) runs on tfjs-wasm and on ONNX Runtime, its value
 * `y` against the float64 reference (test/ops/reference.ts) and each cotangent `dx<i>` of an f32 operand
 * against float64 central differences of sum(ref(x) * g). With python3-torch, the exported PyTorch code of
 * the op runs the same samples in float64: its value against the reference, and torch autograd against the
 * VJP that ONNX Runtime computed. One test per op and engine; a failure names the op, the sample, the
 * engine, the output and the error.
 *
 * Errors are norm-relative: max|got - want| / max(max|want|, FLOOR), so a value is judged against the size
 * of the whole tensor rather than of each entry (entries near zero would make a per-entry relative error
 * meaningless); FLOOR keeps an all-zero reference (a cotangent that is zero by construction) from dividing by 0.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelIR } from "../../src/compiler/0-core/schema.ts";
import { evalDim, parse, symbolsOf } from "../../src/compiler/0-core/dim.ts";
import { opDef, opNames, type OpName } from "../../src/compiler/ops/table.ts";
import { samples, type OpSample, type SampleValues } from "../../src/compiler/ops/samples.ts";
import { opVjpIr } from "../../src/compiler/5-train/op-vjp.ts";
import { deriveSeed, mulberry32, type Rng } from "../../src/runtime/data/rng.ts";
import type { Engine } from "../../src/runtime/backend/engine.ts";
import { createOnnxEngine } from "../../src/runtime/onnx/engine.ts";
import { ortMissing } from "../../src/runtime/onnx/session.ts";
import { initBackend } from "../../src/runtime/tfjs/backend.ts";
import { tfjsEngine } from "../../src/runtime/tfjs/engine.ts";
import { generateTorch } from "../../src/runtime/torch/generate.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";
import { needs, TORCH_PYTHON, torchMissing } from "../helpers/requires.ts";
import { numelOf, numericGrad, reference, type Arr } from "./reference.ts";

/** A float32 kernel's value against float64: a few float32 ulps of the tensor's scale, with room for sums. */
const VALUE_TOL = 1e-5;
/** The acceptance bound for a VJP computed in float32 against float64 finite differences (or torch autograd). */
const GRAD_TOL = 1e-3;
/** torch in float64 against the float64 reference: both exact but for rounding. */
const TORCH_VALUE_TOL = 1e-9;
const FLOOR = 1e-3;

/** max|a - b| / max(max|b|, FLOOR), and where the largest difference is. */
function normRelError(a: ArrayLike<number>, b: ArrayLike<number>): { err: number; at: number } {
  let worst = 0;
  let where = -1;
  let scale = FLOOR;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    const d = Math.abs(a[i] - b[i]);
    // NaN compares false: a NaN where the reference has a number is the worst error there is
    if (!(d <= worst) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) {
      worst = Number.isNaN(d) ? Infinity : d;
      where = i;
    }
  }
  return { err: worst / scale, at: where };
}

// ---------------------------------------------------------------------------------------------------------
// Samples made concrete: shapes bound, values drawn, the reference value and finite differences computed once.

interface Prepared {
  op: OpName;
  sample: OpSample;
  ir: ModelIR;
  /** The graph's inputs: operands x<i> and the cotangent g (when the value is f32). */
  inputs: Record<string, HostTensor>;
  /** The operands as float64 (f32 ones rounded to float32 first, so the reference sees what the engines see). */
  args: Arr[];
  y: Arr;
  /** Finite differences of sum(ref(x) * g) for each f32 operand, by operand index. */
  dx: Map<number, Arr>;
}

const f32round = (v: number) => Math.fround(v);

function draw(rng: Rng, values: SampleValues, n: number): number[] {
  const normal = (scale: number) => () => {
    const u = 1 - rng.next();
    return scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  };
  if (values === "normal") return Array.from({ length: n }, normal(1));
  if (values === "positive") return Array.from({ length: n }, () => 0.5 + 1.5 * rng.next());
  if ("normal" in values) return Array.from({ length: n }, normal(values.normal));
  if ("ids" in values)
    return Array.from({ length: n }, () => Math.min(values.ids - 1, Math.floor(rng.next() * values.ids)));
  if ("from" in values)
    return Array.from(
      { length: n },
      () => values.from[Math.min(values.from.length - 1, Math.floor(rng.next() * values.from.length))],
    );
  if (values.data.length !== n) throw new Error(`sample data has ${values.data.length} entries for ${n}`);
  return values.data;
}

function host(dtype: string, shape: number[], data: Float64Array): HostTensor {
  switch (dtype) {
    case "f32":
      return { dtype: "f32", shape, data: Float32Array.from(data) };
    case "i64":
      return { dtype: "i64", shape, data: BigInt64Array.from(data, (v) => BigInt(v)) };
    case "i32":
      return { dtype: "i32", shape, data: Int32Array.from(data) };
    case "bool":
      return { dtype: "bool", shape, data: Uint8Array.from(data) };
  }
  throw new Error(`no host tensor for ${dtype}`);
}

/** Attributes with their batch symbols replaced by the sample's values (dims given as text). */
function bindAttrs(attrs: Record<string, unknown>, bind: Record<string, number>): Record<string, unknown> {
  const dim = (v: unknown): unknown => {
    if (typeof v !== "string") return v;
    let syms: Set<string>;
    try {
      syms = symbolsOf(parse(v));
    } catch {
      return v; // not a dim (a dtype name)
    }
    return [...syms].every((s) => s in bind) ? evalDim(v, bind) : v;
  };
  return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, Array.isArray(v) ? v.map(dim) : dim(v)]));
}

function prepare(op: OpName, sample: OpSample): Prepared {
  const rng = mulberry32(deriveSeed(20240611, op, sample.name));
  const bind = sample.bind ?? {};
  const types = sample.args.map((a) => ({ dtype: a.dtype, shape: a.shape }));
  const ir = opVjpIr(op, types, sample.attrs);
  const inputs: Record<string, HostTensor> = {};
  const args = sample.args.map((a, i): Arr => {
    const shape = a.shape.map((d) => evalDim(d, bind));
    const raw = draw(rng, a.values, numelOf(shape));
    const data = Float64Array.from(raw, a.dtype === "f32" ? f32round : (v) => v);
    inputs[`x${i}`] = host(a.dtype, shape, data);
    return { shape, data };
  });
  const attrs = bindAttrs(opDef(op).attrs.parse(sample.attrs) as Record<string, unknown>, bind);
  const f = (xs: Arr[]) => (reference[op] as (xs: Arr[], attrs: Record<string, unknown>) => Arr)(xs, attrs);
  const y = f(args);
  const dx = new Map<number, Arr>();
  const yPort = ir.graph.outputs.find((o) => o.name === "y")!;
  if (yPort.type.dtype === "f32") {
    const g: Arr = { shape: y.shape, data: Float64Array.from(draw(rng, "normal", y.data.length), f32round) };
    inputs.g = host("f32", g.shape, g.data);
    sample.args.forEach((a, i) => {
      if (a.dtype === "f32") dx.set(i, numericGrad(f, args, g, i));
    });
  }
  return { op, sample, ir, inputs, args, y, dx };
}

/** A sample whose VJP graph could not be built: the failure every engine reports for it. */
interface Unbuilt {
  op: OpName;
  sample: OpSample;
  error: string;
}
const preparedCache = new Map<OpName, (Prepared | Unbuilt)[]>();
const preparedOf = (op: OpName) => {
  let p = preparedCache.get(op);
  if (!p) {
    p = (samples[op] as OpSample[]).map((s) => {
      try {
        return prepare(op, s);
      } catch (err) {
        return { op, sample: s, error: String((err as Error).message ?? err).split("\n")[0] };
      }
    });
    preparedCache.set(op, p);
  }
  return p;
};
const built = (ps: (Prepared | Unbuilt)[], failures: string[], engine: string): Prepared[] =>
  ps.filter((p): p is Prepared => {
    if ("error" in p) failures.push(`${where(p, engine)}: building the VJP graph threw ${p.error}`);
    return !("error" in p);
  });

// ---------------------------------------------------------------------------------------------------------
// Engines: each runs a prepared sample's VJP graph and returns its outputs as float64 arrays.

type Outputs = Record<string, Arr>;
const toArr = (t: HostTensor): Arr => ({
  shape: [...t.shape],
  data:
    t.data instanceof BigInt64Array
      ? Float64Array.from(t.data, Number)
      : Float64Array.from(t.data as ArrayLike<number>),
});
/** The sample's VJP graph compiled by the engine (as a training step is) and run once; every output read back. */
async function runOn(engine: Engine, p: Prepared): Promise<Outputs> {
  const program = await engine.compile(p.ir);
  const inputs = Object.fromEntries(program.inputNames.map((name) => [name, engine.fromHost(p.inputs[name])]));
  try {
    const outputs = await program.run(inputs, new Map());
    const out: Outputs = {};
    for (const [name, t] of Object.entries(outputs)) out[name] = toArr(await engine.read(t));
    engine.dispose(outputs);
    return out;
  } finally {
    engine.dispose(inputs);
    await program.dispose();
  }
}

/** ONNX Runtime's outputs per sample, run once: the onnx test and the torch comparison both read them. */
const onnxRuns = new Map<Prepared, Promise<Outputs>>();
let onnx: Promise<Engine> | undefined;
const onnxOf = (p: Prepared) => {
  let r = onnxRuns.get(p);
  if (!r) onnxRuns.set(p, (r = (onnx ??= createOnnxEngine({ threads: 1 })).then((e) => runOn(e, p))));
  return r;
};

/**
 * The op's forward exported by mdl's PyTorch back end (src/runtime/torch), every sample in one Python
 * process, in float64 (the exported file's float32 becomes float64: the f32 of the IR is the float type),
 * with torch autograd's cotangents of sum(y * g) for the f32 operands.
 */
const PY_RUNNER = String.raw`
import importlib.util, json, sys, traceback
import torch
torch.set_default_dtype(torch.float64)
DT = {"f32": torch.float64, "i64": torch.int64, "i32": torch.int32, "bool": torch.bool}
jobs = json.load(open(sys.argv[1]))
results = []
for n, job in enumerate(jobs):
    try:
        spec = importlib.util.spec_from_file_location(f"sample{n}", job["module"])
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        model = mod.build().double()
        xs = {}
        for name, a in job["args"].items():
            t = torch.tensor(a["data"], dtype=DT[a["dtype"]]).reshape(a["shape"])
            xs[name] = t.requires_grad_(True) if a["dtype"] == "f32" else t
        y = model(**xs)["y"]
        out = {"y": {"shape": list(y.shape), "data": y.detach().to(torch.float64).flatten().tolist()}}
        wrt = [k for k, a in job["args"].items() if a["dtype"] == "f32" and k != "g"]
        if y.dtype == torch.float64 and wrt and "g" in xs:
            g = xs["g"].detach()
            grads = torch.autograd.grad((y * g).sum(), [xs[k] for k in wrt], allow_unused=True)
            for k, d in zip(wrt, grads):
                d = torch.zeros_like(xs[k]) if d is None else d
                out["d" + k] = {"shape": list(d.shape), "data": d.flatten().tolist()}
        results.append(out)
    except Exception:
        results.append({"error": traceback.format_exc(limit=2).strip().splitlines()[-1]})
json.dump(results, open(sys.argv[2], "w"))
`;

type TorchResult = Record<string, { shape: number[]; data: number[] }> & { error?: string };
let torchRuns: Map<Prepared, TorchResult> | undefined;

function runTorch(): Map<Prepared, TorchResult> {
  if (torchRuns) return torchRuns;
  const dir = mkdtempSync(join(tmpdir(), "mdl-op-samples-"));
  try {
    const all = opNames.flatMap((op) => preparedOf(op)).filter((p): p is Prepared => !("error" in p));
    const failed = new Map<Prepared, string>();
    const jobs = all.map((p, n) => {
      // y alone; the graph keeps its inputs (g among them: it may be what binds a batch symbol)
      const fwd: ModelIR = {
        ...p.ir,
        graph: { ...p.ir.graph, outputs: p.ir.graph.outputs.filter((o) => o.name === "y") },
      };
      const module = join(dir, `sample${n}.py`);
      try {
        writeFileSync(
          module,
          generateTorch(fwd, { source: () => undefined }).replaceAll("torch.float32", "torch.float64"),
        );
      } catch (err) {
        failed.set(p, `exporting threw ${String((err as Error).message ?? err).split("\n")[0]}`);
      }
      const args = Object.fromEntries(
        fwd.graph.inputs.map((port) => {
          const t = p.inputs[port.name];
          return [
            port.name,
            { dtype: port.type.dtype, shape: t.shape, data: Array.from(t.data as ArrayLike<number | bigint>, Number) },
          ];
        }),
      );
      return { module, args };
    });
    writeFileSync(join(dir, "jobs.json"), JSON.stringify(jobs));
    writeFileSync(join(dir, "run.py"), PY_RUNNER);
    const r = spawnSync(TORCH_PYTHON, [join(dir, "run.py"), join(dir, "jobs.json"), join(dir, "out.json")], {
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, OMP_NUM_THREADS: "1" },
    });
    assert.is(r.status, 0, `${TORCH_PYTHON} running the exported samples:\n${r.stdout}\n${r.stderr}`);
    const results: TorchResult[] = JSON.parse(readFileSync(join(dir, "out.json"), "utf8"));
    torchRuns = new Map(all.map((p, n) => [p, failed.has(p) ? ({ error: failed.get(p) } as TorchResult) : results[n]]));
    return torchRuns;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Checks: one message per failing output, naming op, sample and engine.

const where = (p: { op: OpName; sample: OpSample }, engine: string) => `${p.op} "${p.sample.name}" on ${engine}`;
const showAt = (a: ArrayLike<number>, b: ArrayLike<number>, i: number) =>
  i < 0 ? "" : `; worst at [${i}]: got ${a[i]}, want ${b[i]}`;

function compare(
  failures: string[],
  label: string,
  got: Arr | undefined,
  want: Arr,
  tol: number,
  exact: boolean,
): void {
  if (!got) return void failures.push(`${label}: missing`);
  if (got.shape.join() !== want.shape.join())
    return void failures.push(`${label}: shape [${got.shape}], want [${want.shape}]`);
  if (exact) {
    const i = want.data.findIndex((v, j) => v !== got.data[j]);
    if (i >= 0) failures.push(`${label}: entry [${i}] is ${got.data[i]}, want ${want.data[i]}`);
    return;
  }
  const { err, at } = normRelError(got.data, want.data);
  if (!(err <= tol))
    failures.push(`${label}: norm-relative error ${err.toExponential(2)} > ${tol}${showAt(got.data, want.data, at)}`);
}

/** The engine's value against the reference and each VJP output against finite differences. */
function checkAgainstReference(failures: string[], p: Prepared, engine: string, out: Outputs): void {
  const isFloat = p.ir.graph.outputs.find((o) => o.name === "y")!.type.dtype === "f32";
  compare(failures, `${where(p, engine)}: y`, out.y, p.y, VALUE_TOL, !isFloat);
  for (const [i, fd] of p.dx)
    compare(failures, `${where(p, engine)}: dx${i} against finite differences`, out[`dx${i}`], fd, GRAD_TOL, false);
}

const engines: {
  name: string;
  missing: () => Promise<string | undefined>;
  run: (ps: (Prepared | Unbuilt)[], failures: string[]) => Promise<void>;
}[] = [
  {
    name: "tfjs-wasm",
    missing: async () => {
      await initBackend({ backend: "wasm", threads: 1 });
      return undefined;
    },
    async run(ps, failures) {
      for (const p of built(ps, failures, "tfjs-wasm")) {
        try {
          checkAgainstReference(failures, p, "tfjs-wasm", await runOn(tfjsEngine, p));
        } catch (err) {
          failures.push(`${where(p, "tfjs-wasm")}: threw ${String((err as Error).message ?? err).split("\n")[0]}`);
        }
      }
    },
  },
  {
    name: "onnx",
    missing: ortMissing,
    async run(ps, failures) {
      for (const p of built(ps, failures, "onnx")) {
        try {
          checkAgainstReference(failures, p, "onnx", await onnxOf(p));
        } catch (err) {
          failures.push(`${where(p, "onnx")}: threw ${String((err as Error).message ?? err).split("\n")[0]}`);
        }
      }
    },
  },
  {
    name: "torch",
    missing: async () => torchMissing(),
    async run(ps, failures) {
      const runs = runTorch();
      for (const p of built(ps, failures, "torch")) {
        const r = runs.get(p)!;
        const label = where(p, "torch (float64)");
        if (r.error) {
          failures.push(`${label}: the exported code raised ${r.error}`);
          continue;
        }
        const arr = (k: string): Arr | undefined =>
          r[k] ? { shape: r[k].shape, data: Float64Array.from(r[k].data) } : undefined;
        const isFloat = p.ir.graph.outputs.find((o) => o.name === "y")!.type.dtype === "f32";
        compare(failures, `${label}: y`, arr("y"), p.y, TORCH_VALUE_TOL, !isFloat);
        if (p.dx.size === 0) continue;
        let ort: Outputs;
        try {
          ort = await onnxOf(p);
        } catch (err) {
          failures.push(
            `${label}: no VJP from onnx to compare with autograd (${String((err as Error).message).split("\n")[0]})`,
          );
          continue;
        }
        for (const i of p.dx.keys()) {
          const auto = arr(`dx${i}`);
          if (!auto) failures.push(`${label}: autograd gave no dx${i}`);
          else
            compare(
              failures,
              `${p.op} "${p.sample.name}": dx${i} of the IR VJP on onnx against torch autograd`,
              ort[`dx${i}`],
              auto,
              GRAD_TOL,
              false,
            );
        }
      }
    },
  },
];

test("every computed op has samples; only the leaves have none", () => {
  for (const op of opNames) {
    const leaf = opDef(op).shape === null;
    assert.is((samples[op] as OpSample[]).length > 0, !leaf, `${op}: ${leaf ? "a leaf with samples" : "no samples"}`);
  }
});

for (const engine of engines) {
  const why = await engine.missing();
  const it = needs(test, why);
  for (const op of opNames) {
    if ((samples[op] as OpSample[]).length === 0) continue;
    it(`${op} on ${engine.name}`, async () => {
      const failures: string[] = [];
      await engine.run(preparedOf(op), failures);
      assert.ok(failures.length === 0, `${failures.length} failure(s):\n${failures.join("\n")}`);
    });
  }
}

test.run();
