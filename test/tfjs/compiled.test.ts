/** End to end: mdl source -> compiler -> IR -> tfjs, one std ResidualAttentionBlock vs a float64 loop. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { compile } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { createParams, lowerToTfjs, paramStore, predict } from "../../src/runtime/tfjs/lower.ts";
import { at, build, close, randArr, refAttention, wasm1, type Arr } from "./helpers.ts";

await wasm1();

const SRC = `import { ResidualAttentionBlock } from "std"
model Tiny(dim: int = 8) {
  block0 = ResidualAttentionBlock(dim, 2, causal: true)
  forward(x: [B, N, dim]) -> (y: [B, N, dim]) {
    return (y: block0(x))
  }
}
`;

const lin = (x: Arr, w: Arr, b: Arr): Arr => {
  const [o, i] = w.shape;
  return build([...x.shape.slice(0, -1), o], (idx) => {
    const pre = idx.slice(0, -1);
    let s = at(b, [idx[idx.length - 1]]);
    for (let k = 0; k < i; k++) s += at(x, [...pre, k]) * at(w, [idx[idx.length - 1], k]);
    return s;
  });
};
const ln = (x: Arr, g: Arr, b: Arr): Arr => {
  const d = x.shape[x.shape.length - 1];
  return build(x.shape, (idx) => {
    const pre = idx.slice(0, -1);
    const row = Array.from({ length: d }, (_, k) => at(x, [...pre, k]));
    const m = row.reduce((s, v) => s + v, 0) / d;
    const v = row.reduce((s, t) => s + (t - m) ** 2, 0) / d;
    const k = idx[idx.length - 1];
    return ((row[k] - m) / Math.sqrt(v + 1e-5)) * at(g, [k]) + at(b, [k]);
  });
};
const map2 = (a: Arr, b: Arr, f: (x: number, y: number) => number): Arr => ({
  shape: a.shape,
  data: a.data.map((v, i) => f(v, b.data[i])),
});

function refBlock(x: Arr, p: (k: string) => Arr): Arr {
  const [B, N] = x.shape;
  const qkv = lin(ln(x, p("ln_1.weight"), p("ln_1.bias")), p("attn.in_proj_weight"), p("attn.in_proj_bias"));
  // torch packs [Wq; Wk; Wv], heads contiguous inside each: head h of q is columns 4h..4h+3
  const part = (off: number) => build([B, 2, N, 4], ([b, h, n, c]) => at(qkv, [b, n, off + 4 * h + c]));
  const o = refAttention(part(0), part(8), part(16), 0.5, true);
  const merged = build([B, N, 8], ([b, n, c]) => at(o, [b, Math.floor(c / 4), n, c % 4]));
  const h1 = map2(x, lin(merged, p("attn.out_proj.weight"), p("attn.out_proj.bias")), (a, b) => a + b);
  const f = lin(ln(h1, p("ln_2.weight"), p("ln_2.bias")), p("mlp.c_fc.weight"), p("mlp.c_fc.bias"));
  const g = { shape: f.shape, data: f.data.map((v) => v / (1 + Math.exp(-1.702 * v))) };
  return map2(h1, lin(g, p("mlp.c_proj.weight"), p("mlp.c_proj.bias")), (a, b) => a + b);
}

test("a compiled causal ResidualAttentionBlock equals the float64 reference", () => {
  const r = compile("tiny.mdl", memoryHost({ "tiny.mdl": SRC }), { text: SRC });
  assert.equal(r.diagnostics, []);
  const ir = r.value!;
  const src = new Map(
    ir.params.map((q) => [q.path, { shape: q.shape, data: Float32Array.from(randArr(q.shape, 0.4).data) }]),
  );
  const params = createParams(ir, src, { trainable: false, seed: 0 });
  const x = randArr([2, 5, 8]);
  const { outputs } = predict(
    lowerToTfjs(ir),
    { x: tf.tensor(Float32Array.from(x.data), x.shape) },
    paramStore(params),
  );
  const p = (k: string) => {
    const t = src.get(`block0.${k}`)!;
    return { shape: t.shape, data: Float64Array.from(t.data) };
  };
  close(outputs.y, refBlock(x, p), 2e-5, 2e-4);
});

test.run();
