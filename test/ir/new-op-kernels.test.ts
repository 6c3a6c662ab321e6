/**
 * The kernels of the ops that gradients are written with (equal, greater, erf, log_softmax, flip, scatter_add,
 * one_hot, attention_probs): each op alone in a small IR, run on tfjs-wasm, on ONNX Runtime (onnxruntime-node)
 * and, where Debian's PyTorch is installed, as the torch export's expressions, against float64 loops written here.
 * Covers repeated ids in scatter_add (summed), a symbolic depth and out-of-range ids in one_hot (a zero row),
 * non-last axes, broadcasting, and the causal mask of attention_probs.
 */
import { test } from "uvu";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { IR_VERSION, type Dim, type DType, type ModelIR } from "../../src/compiler/0-core/schema.ts";
import type { OpName } from "../../src/compiler/ops/table.ts";
import { GraphBuilder } from "../../src/compiler/5-train/emit.ts";
import { lowerToTfjs, paramStore, predict } from "../../src/runtime/tfjs/lower.ts";
import { createSession } from "../../src/runtime/onnx/session.ts";
import { toFloat32, type HostTensor } from "../../src/runtime/weights/tensor.ts";
import { writeSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { needs, torchMissing } from "../helpers/requires.ts";
import { exportTo, runExported } from "../torch/helpers.ts";
import { at, build, randArr, randInts, wasm1, type Arr } from "../tfjs/helpers.ts";

await wasm1();

/** An operand: its IR type (dims may be symbols) and the values it is given. */
interface Operand {
  dtype: DType;
  shape: Dim[];
  value: Arr;
}
const f32 = (value: Arr): Operand => ({ dtype: "f32", shape: value.shape, value });
const ids = (dtype: "i64" | "i32", values: number[], shape: Dim[], sizes: number[] = shape as number[]): Operand => ({
  dtype,
  shape,
  value: { shape: sizes, data: Float64Array.from(values) },
});

/** One op on inputs x0, x1, ...: its output `y` typed by the op's own shape rule. */
function oneOp(op: OpName, args: Operand[], attrs: Record<string, unknown>): ModelIR {
  const b = new GraphBuilder([]);
  const xs = args.map((a, i) => b.input(`x${i}`, a.dtype, a.shape));
  const y = b.op(op, xs, attrs);
  const port = (name: string, v: typeof y) => ({ name, value: v.id, type: { dtype: v.dtype, shape: v.shape } });
  const symbols = [...new Set(args.flatMap((a) => a.shape.filter((d): d is string => typeof d === "string")))];
  return {
    irVersion: IR_VERSION,
    model: "OneOp",
    file: `<${op}>`,
    hyper: [],
    symbols,
    modules: [{ path: "", block: "OneOp", hyper: {}, params: [], children: [] }],
    params: [],
    graph: { inputs: xs.map((x, i) => port(`x${i}`, x)), outputs: [port("y", y)], nodes: b.nodes, calls: [] },
  };
}

function onTfjs(ir: ModelIR, args: Operand[]): { shape: number[]; data: ArrayLike<number> } {
  const inputs = Object.fromEntries(
    args.map((a, i) => {
      const data = a.dtype === "f32" ? Float32Array.from(a.value.data) : Int32Array.from(a.value.data);
      return [`x${i}`, tf.tensor(data, a.value.shape, a.dtype === "f32" ? "float32" : "int32")];
    }),
  );
  const { outputs } = predict(lowerToTfjs(ir), inputs, paramStore(new Map()));
  const got = { shape: outputs.y.shape, data: outputs.y.dataSync() };
  tf.dispose([outputs.y, ...Object.values(inputs)]);
  return got;
}

function host(a: Operand): HostTensor {
  const { shape, data } = a.value;
  if (a.dtype === "i64") return { dtype: "i64", shape, data: BigInt64Array.from(data, (v) => BigInt(v)) };
  return a.dtype === "i32"
    ? { dtype: "i32", shape, data: Int32Array.from(data) }
    : { dtype: "f32", shape, data: Float32Array.from(data) };
}

async function onOrt(ir: ModelIR, args: Operand[]): Promise<{ shape: number[]; data: ArrayLike<number> }> {
  const session = await createSession(ir);
  const out = await session.run(Object.fromEntries(args.map((a, i) => [`x${i}`, host(a)])));
  await session.dispose();
  return { shape: out.y.shape, data: toFloat32(out.y) };
}

/** Same shape, and |got - want| <= tol (1 + |want|) everywhere; equal infinities count as equal. */
function expectClose(got: { shape: number[]; data: ArrayLike<number> }, want: Arr, tol: number, label: string): void {
  assert.equal(got.shape, want.shape, `${label}: shape`);
  for (let i = 0; i < want.data.length; i++) {
    const [g, w] = [got.data[i], want.data[i]];
    assert.ok(g === w || Math.abs(g - w) <= tol * (1 + Math.abs(w)), `${label}: element ${i} is ${g}, expected ${w}`);
  }
}

/** Every case, for the PyTorch leg: one Python process runs them all (starting torch costs seconds). */
const cases: { ir: ModelIR; args: Operand[]; want: Arr; tol: number }[] = [];

/** The op on tfjs-wasm and ONNX Runtime, each against `want`; kept for the PyTorch leg. */
async function check(
  op: OpName,
  args: Operand[],
  attrs: Record<string, unknown>,
  want: Arr,
  tol = 1e-5,
): Promise<void> {
  const ir = oneOp(op, args, attrs);
  cases.push({ ir, args, want, tol });
  expectClose(onTfjs(ir, args), want, tol, `${op} on tfjs-wasm`);
  expectClose(await onOrt(ir, args), want, tol, `${op} on ONNX Runtime`);
}

// the error function by its Maclaurin series, fine in float64 for |x| < 3
const erf = (x: number) => {
  let sum = 0;
  let term = x;
  for (let n = 0; n < 100; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};

test("equal and greater: bool of the broadcast shape, ties included", async () => {
  const a = { shape: [2, 3], data: Float64Array.from([1, 2, 3, -1, 0.5, 3]) };
  const b = { shape: [3], data: Float64Array.from([1, 0.5, 3]) };
  await check(
    "equal",
    [f32(a), f32(b)],
    {},
    build([2, 3], (i) => Number(at(a, i) === at(b, i))),
  );
  await check(
    "greater",
    [f32(a), f32(b)],
    {},
    build([2, 3], (i) => Number(at(a, i) > at(b, i))),
  );
  // the other way round: b [3] broadcast against a [2, 3]
  await check(
    "greater",
    [f32(b), f32(a)],
    {},
    build([2, 3], (i) => Number(at(b, i) > at(a, i))),
  );
});

test("erf elementwise", async () => {
  const x = randArr([4, 5], 2.5);
  await check(
    "erf",
    [f32(x)],
    {},
    build([4, 5], (i) => erf(at(x, i))),
  );
});

test("log_softmax along the last axis and along a middle one", async () => {
  const x = randArr([2, 3, 4], 4);
  const ref = (axis: number) =>
    build([2, 3, 4], (i) => {
      const along = Array.from({ length: x.shape[axis] }, (_, j) =>
        at(
          x,
          i.map((v, k) => (k === axis ? j : v)),
        ),
      );
      const m = Math.max(...along);
      return at(x, i) - m - Math.log(along.reduce((s, v) => s + Math.exp(v - m), 0));
    });
  await check("log_softmax", [f32(x)], { axis: -1 }, ref(2));
  await check("log_softmax", [f32(x)], { axis: 1 }, ref(1));
});

test("flip reverses each listed axis (negative axes count from the end)", async () => {
  const x = randArr([2, 3, 4]);
  await check(
    "flip",
    [f32(x)],
    { axes: [0, 2] },
    build([2, 3, 4], ([a, b, c]) => at(x, [1 - a, b, 3 - c])),
  );
  await check(
    "flip",
    [f32(x)],
    { axes: [-2] },
    build([2, 3, 4], ([a, b, c]) => at(x, [a, 2 - b, c])),
  );
});

test("scatter_add: repeated ids sum, untouched rows stay 0, i64 and i32 ids", async () => {
  const rows = [3, 1, 3, 0, 3, 1];
  const updates = randArr([2, 3, 4]);
  const want = build([5, 4], ([r, c]) => rows.reduce((s, id, k) => s + (id === r ? updates.data[k * 4 + c] : 0), 0));
  for (const dtype of ["i64", "i32"] as const)
    await check("scatter_add", [ids(dtype, rows, [2, 3]), f32(updates)], { rows: 5 }, want);
  // many updates into few rows: a race between threads adding to one row would lose some
  const many = randInts(4096, 3);
  const u = randArr([4096, 8]);
  const sums = build([3, 8], ([r, c]) => many.reduce((s, id, k) => s + (id === r ? u.data[k * 8 + c] : 0), 0));
  await check("scatter_add", [ids("i64", many, [4096]), f32(u)], { rows: 3 }, sums, 1e-4);
});

test("one_hot: a symbolic depth read from the ids' length, ids outside [0, depth) give a zero row", async () => {
  const values = [3, -1, 5, 0, 3];
  const want = build([5, 5], ([i, j]) => Number(values[i] === j));
  await check("one_hot", [ids("i64", values, ["K"], [5])], { depth: "K" }, want);
  const grid = [2, 0, 1, 7];
  await check(
    "one_hot",
    [ids("i32", grid, [2, 2])],
    { depth: 3 },
    build([2, 2, 3], ([a, b, j]) => Number(grid[a * 2 + b] === j)),
  );
});

/** softmax(scale q k^T, -inf above the diagonal when causal) over q [..., n, d] and k [..., m, d], batch dims broadcast. */
function refProbs(q: Arr, k: Arr, scale: number, causal: boolean): Arr {
  const [n, d] = q.shape.slice(-2);
  const m = k.shape[k.shape.length - 2];
  const batch = q.shape.slice(0, -2).map((s, i) => Math.max(s, k.shape[i]));
  return build([...batch, n, m], (idx) => {
    const [pre, i, j] = [idx.slice(0, -2), idx[idx.length - 2], idx[idx.length - 1]];
    const s = Array.from({ length: m }, (_, c) => {
      let t = 0;
      for (let x = 0; x < d; x++) t += at(q, [...pre, i, x]) * at(k, [...pre, c, x]);
      return causal && c > i ? -Infinity : scale * t;
    });
    const mx = Math.max(...s);
    return Math.exp(s[j] - mx) / s.reduce((z, t) => z + Math.exp(t - mx), 0);
  });
}

test("attention_probs: softmax of the scaled scores, batch dims broadcast, the causal mask zeroes j > i", async () => {
  const q = randArr([2, 1, 4, 3]);
  const k = randArr([1, 2, 5, 3]);
  const causal = refProbs(q, k, 0.7, true);
  // the reference itself: every entry above the diagonal exactly 0, every other one positive
  assert.ok(causal.data.every((v, p) => (p % 5 > Math.floor(p / 5) % 4 ? v === 0 : v > 0)));
  await check("attention_probs", [f32(q), f32(k)], { scale: 0.7, causal: true }, causal);
  await check("attention_probs", [f32(q), f32(k)], { scale: 0.7, causal: false }, refProbs(q, k, 0.7, false));
});

needs(test, torchMissing())("every case above on PyTorch, through the torch export", () => {
  const dir = mkdtempSync(join(tmpdir(), "mdl-new-ops-"));
  try {
    const weights = join(dir, "none.safetensors");
    writeSafetensors(weights, new Map());
    const jobs = cases.map(({ ir, args }, n) => {
      const inputs = join(dir, `in${n}.safetensors`);
      writeSafetensors(inputs, new Map(args.map((a, i) => [`input.x${i}`, host(a)])));
      return { model: exportTo(ir, dir, `case${n}`), inputs, weights: [weights] };
    });
    runExported(jobs, dir).forEach((r, n) =>
      expectClose(r[weights].y, cases[n].want, cases[n].tol, `${cases[n].ir.file} on PyTorch`),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
