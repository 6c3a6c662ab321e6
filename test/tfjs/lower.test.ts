/** The IR -> tfjs lowering on small hand-written IRs, checked against float64 loops. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { ModelIR, type Node, type Param } from "../../src/compiler/0-core/schema.ts";
import { MdlError } from "../../src/compiler/diagnostics/diagnostic.ts";
import {
  createParams,
  lowerToTfjs,
  paramStore,
  predict,
  toRuntimeLayout,
  toTorchLayout,
} from "../../src/runtime/tfjs/lower.ts";
import { paramLayouts } from "../../src/runtime/backend/param-layout.ts";
import { at, build, close, randArr, wasm1, type Arr } from "./helpers.ts";

await wasm1();

type Spec = [
  op: Node["op"],
  args: number[],
  attrs: Record<string, unknown>,
  shape: (number | string)[],
  dtype?: Node["type"]["dtype"],
];

/** A ModelIR from a list of nodes (ids are positions), validated by the schema. */
function makeIr(nodes: Spec[], inputs: [string, number][], outputs: [string, number][], params: Param[]): ModelIR {
  const ns = nodes.map(([op, args, attrs, shape, dtype], id) => ({
    id,
    op,
    args,
    attrs,
    type: { dtype: dtype ?? "f32", shape },
    scope: "",
  }));
  const port = ([name, value]: [string, number]) => ({ name, value, type: ns[value].type });
  return ModelIR.parse({
    irVersion: 1,
    model: "Test",
    file: "test.mdl",
    hyper: [],
    symbols: ["B"],
    modules: [{ path: "", block: "Test", hyper: {}, params: params.map((p) => p.path), children: [] }],
    params,
    graph: { inputs: inputs.map(port), outputs: outputs.map(port), nodes: ns, calls: [] },
  });
}
const param = (
  path: string,
  shape: number[],
  kind: Param["init"]["kind"] = "normal",
  args: number[] = [0.02],
): Param => ({ path, shape, dtype: "f32", init: { kind, args } });

// x [B, 2, 3] -> reshape [B, 6] -> layer_norm -> linear 6->8 -> gelu -> linear 8->5
const mlp = makeIr(
  [
    ["input", [], { name: "x" }, ["B", 2, 3]],
    ["reshape", [0], { shape: ["B", 6] }, ["B", 6]],
    ["param", [], { path: "ln.weight" }, [6]],
    ["param", [], { path: "ln.bias" }, [6]],
    ["layer_norm", [1, 2, 3], { eps: 1e-5 }, ["B", 6]],
    ["param", [], { path: "fc1.weight" }, [8, 6]],
    ["param", [], { path: "fc1.bias" }, [8]],
    ["linear", [4, 5, 6], {}, ["B", 8]],
    ["gelu", [7], {}, ["B", 8]],
    ["param", [], { path: "fc2.weight" }, [5, 8]],
    ["param", [], { path: "fc2.bias" }, [5]],
    ["linear", [8, 9, 10], {}, ["B", 5]],
    ["dropout", [11], { rate: 0.1 }, ["B", 5]],
  ],
  [["x", 0]],
  [["y", 12]],
  [
    param("ln.weight", [6], "ones", []),
    param("ln.bias", [6], "zeros", []),
    param("fc1.weight", [8, 6]),
    param("fc1.bias", [8], "zeros", []),
    param("fc2.weight", [5, 8]),
    param("fc2.bias", [5], "fill", [0.25]),
  ],
);

const f32 = (a: Arr) => Float32Array.from(a.data);
const torchSource = (ir: ModelIR, scale = 0.5) =>
  new Map(ir.params.map((p) => [p.path, { shape: p.shape, data: f32(randArr(p.shape, scale)) }]));
const arr = (s: { shape: number[]; data: Float32Array }): Arr => ({ shape: s.shape, data: Float64Array.from(s.data) });

function refMlp(x: Arr, p: Map<string, Arr>): Arr {
  const b = x.shape[0];
  const gelu = (v: number) => {
    // erf by its series; |v| stays small here
    let s = 0,
      t = v / Math.SQRT2;
    const z = t;
    for (let n = 0; n < 60; n++) {
      s += t / (2 * n + 1);
      t *= (-z * z) / (n + 1);
    }
    return 0.5 * v * (1 + (2 / Math.sqrt(Math.PI)) * s);
  };
  const lin = (h: number[], w: Arr, bias: Arr) =>
    Array.from({ length: w.shape[0] }, (_, o) => h.reduce((s, v, k) => s + v * at(w, [o, k]), at(bias, [o])));
  const rows: number[][] = [];
  for (let i = 0; i < b; i++) {
    const r = Array.from(x.data.slice(i * 6, i * 6 + 6));
    const m = r.reduce((s, v) => s + v, 0) / 6;
    const v = r.reduce((s, t) => s + (t - m) ** 2, 0) / 6;
    const n = r.map(
      (t, k) => ((t - m) / Math.sqrt(v + 1e-5)) * p.get("ln.weight")!.data[k] + p.get("ln.bias")!.data[k],
    );
    rows.push(
      lin(lin(n, p.get("fc1.weight")!, p.get("fc1.bias")!).map(gelu), p.get("fc2.weight")!, p.get("fc2.bias")!),
    );
  }
  return { shape: [b, 5], data: Float64Array.from(rows.flat()) };
}

test("MLP with layer_norm and a symbolic-batch reshape matches a float64 loop, for two batch sizes", () => {
  assert.equal(Object.fromEntries(paramLayouts(mlp)), {
    "ln.weight": "torch",
    "ln.bias": "torch",
    "fc1.weight": "linear_t",
    "fc1.bias": "torch",
    "fc2.weight": "linear_t",
    "fc2.bias": "torch",
  });
  const src = torchSource(mlp);
  const params = createParams(mlp, src, { trainable: false, seed: 0 });
  assert.equal(params.get("fc1.weight")!.shape, [6, 8]); // re-laid [in, out]
  const ref = new Map([...src].map(([k, v]) => [k, arr(v)]));
  const lowered = lowerToTfjs(mlp);
  for (const b of [1, 3]) {
    const x = randArr([b, 2, 3], 2);
    const { outputs } = predict(lowered, { x: tf.tensor(f32(x), x.shape) }, paramStore(params));
    close(outputs.y, refMlp(x, ref), 1e-5, 1e-4);
  }
});

test("kept intermediates come back beside the outputs", () => {
  const params = createParams(mlp, torchSource(mlp), { trainable: false, seed: 0 });
  const x = randArr([2, 2, 3]);
  const { kept } = predict(lowerToTfjs(mlp), { x: tf.tensor(f32(x), x.shape) }, paramStore(params), { keep: [1] });
  close(kept.get(1)!, { shape: [2, 6], data: x.data });
});

function shapeError(inputs: Record<string, tf.Tensor>): MdlError {
  const params = createParams(mlp, undefined, { trainable: false, seed: 0 });
  try {
    predict(lowerToTfjs(mlp), inputs, paramStore(params));
  } catch (err) {
    if (err instanceof MdlError) return err;
    throw err;
  }
  throw new Error("no error");
}

test("a wrong input shape gives the catalogued error naming the input and both shapes", () => {
  const e = shapeError({ x: tf.zeros([4, 3, 3]) });
  assert.is(e.diagnostic.code, "MDL404");
  assert.is(e.diagnostic.file, "test.mdl");
  assert.is(e.diagnostic.message, "input `x` must have shape [B, 2, 3], got [4, 3, 3]");
  assert.is(shapeError({ x: tf.zeros([4, 6]) }).diagnostic.message, "input `x` must have shape [B, 2, 3], got [4, 6]");
  assert.is(shapeError({}).diagnostic.code, "MDL403");
});

test("patchify conv2d in an IR: weight re-laid [C*kh*kw, O], values equal a direct convolution", () => {
  const ir = makeIr(
    [
      ["input", [], { name: "img" }, ["B", 2, 8, 8]],
      ["param", [], { path: "conv.weight" }, [3, 2, 4, 4]],
      ["conv2d", [0, 1], { stride: 4, padding: 0 }, ["B", 3, 2, 2]],
      ["reshape", [2], { shape: ["B", 3, 4] }, ["B", 3, 4]],
      ["transpose", [3], { perm: [0, 2, 1] }, ["B", 4, 3]],
    ],
    [["img", 0]],
    [["tokens", 4]],
    [param("conv.weight", [3, 2, 4, 4])],
  );
  assert.is(paramLayouts(ir).get("conv.weight"), "patch_t");
  const src = torchSource(ir);
  const params = createParams(ir, src, { trainable: false, seed: 0 });
  assert.equal(params.get("conv.weight")!.shape, [32, 3]);
  const img = randArr([2, 2, 8, 8]);
  const w = arr(src.get("conv.weight")!);
  const { outputs } = predict(lowerToTfjs(ir), { img: tf.tensor(f32(img), img.shape) }, paramStore(params));
  close(
    outputs.tokens,
    build([2, 4, 3], ([n, t, o]) => {
      const [py, px] = [Math.floor(t / 2), t % 2];
      let s = 0;
      for (let c = 0; c < 2; c++)
        for (let a = 0; a < 4; a++)
          for (let b = 0; b < 4; b++) s += at(img, [n, c, py * 4 + a, px * 4 + b]) * at(w, [o, c, a, b]);
      return s;
    }),
  );
});

test("a param used both by linear and elsewhere stays in torch layout; layouts round-trip exactly", async () => {
  const ir = makeIr(
    [
      ["input", [], { name: "x" }, ["B", 4]],
      ["param", [], { path: "w" }, [4, 4]],
      ["linear", [0, 1], {}, ["B", 4]],
      ["matmul", [2, 1], {}, ["B", 4]],
    ],
    [["x", 0]],
    [["y", 3]],
    [param("w", [4, 4])],
  );
  assert.is(paramLayouts(ir).get("w"), "torch");
  const src = torchSource(ir);
  const params = createParams(ir, src, { trainable: false, seed: 0 });
  const x = randArr([3, 4]);
  const w = arr(src.get("w")!);
  const h = build([3, 4], ([i, o]) => [0, 1, 2, 3].reduce((s, k) => s + at(x, [i, k]) * at(w, [o, k]), 0));
  const { outputs } = predict(lowerToTfjs(ir), { x: tf.tensor(f32(x), x.shape) }, paramStore(params));
  close(
    outputs.y,
    build([3, 4], ([i, j]) => [0, 1, 2, 3].reduce((s, k) => s + at(h, [i, k]) * at(w, [k, j]), 0)),
  );
  for (const [ir2, path] of [
    [mlp, "fc1.weight"],
    [ir, "w"],
  ] as const) {
    const p = ir2.params.find((q) => q.path === path)!;
    const t = { shape: p.shape, data: f32(randArr(p.shape)) };
    const back = await toTorchLayout(ir2, path, toRuntimeLayout(ir2, path, t));
    assert.equal(back.shape, t.shape);
    assert.equal(Array.from(back.data), Array.from(t.data));
  }
});

test("createParams: init kinds, seeded and per-param, variables when trainable", () => {
  const ir = makeIr(
    [["input", [], { name: "x" }, ["B"]]],
    [["x", 0]],
    [["x", 0]],
    [
      param("n", [100, 100], "normal", [0.5]),
      param("t", [100, 100], "trunc_normal", [1.5]),
      param("u", [100, 100], "uniform", [2, 3]),
      param("z", [3], "zeros", []),
      param("o", [3], "ones", []),
      param("f", [3], "fill", [0.75]),
    ],
  );
  const ps = createParams(ir, undefined, { trainable: true, seed: 7 });
  const vals = (k: string) => Array.from(ps.get(k)!.dataSync());
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const std = (v: number[]) => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));
  assert.ok(Math.abs(mean(vals("n"))) < 0.02 && Math.abs(std(vals("n")) - 0.5) < 0.02, "normal(0.5)");
  // torch cuts at absolute [-2, 2]: with std 1.5 about 18% of draws are resampled, std drops to ~1.03
  const t = vals("t");
  assert.ok(
    t.every((v) => v >= -2 && v <= 2) && t.some((v) => v > 1.9) && Math.abs(std(t) - 1.03) < 0.05,
    "trunc_normal(1.5)",
  );
  assert.ok(vals("u").every((v) => v >= 2 && v < 3) && Math.abs(mean(vals("u")) - 2.5) < 0.02, "uniform(2, 3)");
  assert.equal(
    [vals("z"), vals("o"), vals("f")],
    [
      [0, 0, 0],
      [1, 1, 1],
      [0.75, 0.75, 0.75],
    ],
  );
  assert.ok(ps.get("n") instanceof tf.Variable);
  const again = createParams(ir, undefined, { trainable: false, seed: 7 });
  assert.equal(Array.from(again.get("n")!.dataSync()), vals("n"));
  const other = createParams(ir, undefined, { trainable: false, seed: 8 });
  assert.not.equal(Array.from(other.get("n")!.dataSync()).slice(0, 5), vals("n").slice(0, 5));
  for (const m of [ps, again, other]) for (const t of m.values()) t.dispose();
});

test("a loaded param of the wrong shape is the catalogued weight_shape error", () => {
  const bad = new Map([["fc1.weight", { shape: [6, 8], data: new Float32Array(48) }]]);
  try {
    createParams(mlp, bad, { trainable: false, seed: 0 });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, MdlError);
    assert.is((err as MdlError).diagnostic.code, "MDL509");
  }
});

test("training run: gradients reach every param through the re-laid weights", () => {
  const params = createParams(mlp, torchSource(mlp), { trainable: true, seed: 0 });
  const lowered = lowerToTfjs(mlp);
  const x = tf.tensor(f32(randArr([3, 2, 3])), [3, 2, 3]);
  const { value, grads } = tf.variableGrads(
    () => {
      const { kept } = lowered.run({ x }, paramStore(params), { training: true, keep: [11] });
      return tf.sum(kept.get(11)!) as tf.Scalar; // before the dropout: d/d fc2.bias is the batch size
    },
    [...params.values()] as tf.Variable[],
  );
  const byPath = new Map([...params].map(([k, v]) => [k, grads[(v as tf.Variable).name]]));
  assert.equal(Array.from(byPath.get("fc2.bias")!.dataSync()), [3, 3, 3, 3, 3]);
  assert.equal(byPath.get("fc1.weight")!.shape, [6, 8]);
  for (const g of byPath.values()) assert.ok(g.dataSync().every(Number.isFinite) && g.dataSync().some((v) => v !== 0));
  value.dispose();
  for (const t of [...Object.values(grads), ...params.values(), x]) t.dispose();
});

test("100 predictions leak no tensors", () => {
  const params = createParams(mlp, undefined, { trainable: false, seed: 1 });
  const lowered = lowerToTfjs(mlp);
  const x = tf.tensor(f32(randArr([2, 2, 3])), [2, 2, 3]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 100; i++) {
    const { outputs, kept } = predict(lowered, { x }, paramStore(params), { keep: [4] });
    for (const t of [...Object.values(outputs), ...kept.values()]) t.dispose();
  }
  assert.is(tf.memory().numTensors, before);
});

test.run();
