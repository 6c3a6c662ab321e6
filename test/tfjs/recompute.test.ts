/**
 * The tfjs lowering of recomputed modules: gradients equal those of the plain run for a block with two
 * outputs (packed into one customGrad value) and one that reads a weight shared with a later module,
 * and the forward keeps fewer tensors.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { compile } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { renderAll } from "../../src/compiler/diagnostics/render.ts";
import { createParams, lowerToTfjs, paramStore } from "../../src/runtime/tfjs/lower.ts";
import { wasm1 } from "./helpers.ts";

await wasm1();

const FILE = "split.mdl";
const SOURCE = `import { LayerNorm, Linear } from "std"

block Split(d: int) {
  norm = LayerNorm(d)
  fc = Linear(d, d)
  forward(x: [N, d]) -> (a: [N, d], b: [N, d]) {
    let h = gelu(fc(norm(x)))
    return (a: x + h, b: h * h)
  }
}

model Twin(d: int = 6) {
  blocks = repeat 3 { Split(d) }
  head = Linear(d, 3)
  forward(x: f32[N, d]) -> [N, 3] {
    let y = x
    let s = x
    for blk in blocks {
      let (a, b) = blk(y)
      y = a
      s = s + b
    }
    return head(y) * head(s)
  }
}
`;

function lowered(recompute: string[]) {
  const r = compile(FILE, memoryHost({ [FILE]: SOURCE }), { recompute });
  assert.equal(renderAll(r.diagnostics), "");
  return { ir: r.value!, run: lowerToTfjs(r.value!) };
}

function gradsOf(recompute: string[]) {
  const { ir, run } = lowered(recompute);
  const vars = createParams(ir, undefined, { trainable: true, seed: 7 }) as Map<string, tf.Variable>;
  const x = tf.tensor2d(
    Array.from({ length: 4 * 6 }, (_, i) => Math.sin(i)),
    [4, 6],
  );
  let kept = 0;
  const before = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(() => {
    const out = tf.sum(run.run({ x }, paramStore(vars), { training: true }).outputs.out) as tf.Scalar;
    kept = tf.memory().numTensors - before;
    return out;
  }, [...vars.values()]);
  const result = {
    loss: value.dataSync()[0],
    grads: new Map([...vars].map(([k, v]) => [k, grads[v.name].dataSync() as Float32Array])),
    kept,
  };
  tf.dispose([value, x, ...Object.values(grads), ...vars.values()]);
  return result;
}

test("two-output blocks recomputed: the same loss and gradients, fewer tensors kept by the forward", () => {
  const plain = gradsOf([]);
  const recomputed = gradsOf(["blocks"]);
  assert.is(recomputed.loss, plain.loss);
  for (const [k, g] of plain.grads) {
    const h = recomputed.grads.get(k)!;
    const worst = g.reduce((w, v, i) => Math.max(w, Math.abs(v - h[i]) / Math.max(1, Math.abs(v))), 0);
    assert.ok(worst <= 1e-6, `${k}: ${worst}`);
    assert.ok(
      g.some((v) => v !== 0),
      `${k} has a gradient`,
    );
  }
  assert.ok(recomputed.kept < plain.kept, `tensors kept by the forward: ${recomputed.kept} vs ${plain.kept}`);
});

test("a recomputed block's products are replayed in its backward, not multiplied again", async () => {
  const products = async (recompute: string[]) => {
    const info = await tf.profile(() => void gradsOf(recompute));
    const names = info.kernels.map((k) => k.name);
    return { products: names.filter((n) => /MatMul/.test(n)).length, kernels: names.length };
  };
  const plain = await products([]);
  const recomputed = await products(["blocks"]);
  // the forward's and the backward's products of the plain run, no more: the 3 blocks' products come back saved
  assert.is(recomputed.products, plain.products);
  assert.ok(
    recomputed.kernels > plain.kernels,
    `the rest of each block runs again: ${recomputed.kernels} vs ${plain.kernels} kernels`,
  );
});

const ATT_FILE = "att.mdl";
const ATT_SOURCE = `import { LayerNorm, Linear } from "std"

block Att(d: int) {
  norm = LayerNorm(d)
  q = Linear(d, d)
  k = Linear(d, d)
  v = Linear(d, d)
  forward(x: [N, L, d]) -> [N, L, d] {
    let h = norm(x)
    return x + attention(q(h), k(h), v(h), scale: 0.5)
  }
}

model Stack(d: int = 6) {
  blocks = repeat 2 { Att(d) }
  forward(x: f32[N, L, d]) -> [N, L, d] {
    return blocks(x) * blocks(x)
  }
}
`;

test("attention in a recomputed block: its probabilities and output are replayed, the gradients unchanged", async () => {
  const run = async (recompute: string[]) => {
    const r = compile(ATT_FILE, memoryHost({ [ATT_FILE]: ATT_SOURCE }), { recompute });
    assert.equal(renderAll(r.diagnostics), "");
    const lowered = lowerToTfjs(r.value!);
    const vars = createParams(r.value!, undefined, { trainable: true, seed: 5 }) as Map<string, tf.Variable>;
    const x = tf.tensor3d(
      Array.from({ length: 2 * 5 * 6 }, (_, i) => Math.cos(i)),
      [2, 5, 6],
    );
    let grads = new Map<string, Float32Array>();
    const info = await tf.profile(() => {
      const g = tf.variableGrads(
        () => tf.sum(lowered.run({ x }, paramStore(vars), { training: true }).outputs.out) as tf.Scalar,
        [...vars.values()],
      );
      grads = new Map([...vars].map(([k, v]) => [k, g.grads[v.name].dataSync() as Float32Array]));
      tf.dispose([g.value, ...Object.values(g.grads)]);
    });
    tf.dispose([x, ...vars.values()]);
    const count = (re: RegExp) => info.kernels.filter((k) => re.test(k.name)).length;
    return { grads, products: count(/MatMul/), softmax: count(/^Softmax$/), kernels: info.kernels.length };
  };
  const plain = await run([]);
  const recomputed = await run(["blocks"]);
  for (const [k, g] of plain.grads) {
    const h = recomputed.grads.get(k)!;
    const worst = g.reduce((w, v, i) => Math.max(w, Math.abs(v - h[i]) / Math.max(1, Math.abs(v))), 0);
    assert.ok(worst <= 1e-6, `${k}: ${worst}`);
    assert.ok(
      g.some((v) => v !== 0),
      `${k} has a gradient`,
    );
  }
  assert.equal([recomputed.products, recomputed.softmax], [plain.products, plain.softmax]);
  assert.ok(
    recomputed.kernels > plain.kernels,
    `the norms run again: ${recomputed.kernels} vs ${plain.kernels} kernels`,
  );
});

test("a recomputed block with an integer input (token ids): the same gradients, none taken for the ids", () => {
  const file = "tokens.mdl";
  const source = `import { Embedding, Linear } from "std"

block Text(v: int, d: int) {
  emb = Embedding(v, d)
  fc = Linear(d, d)
  forward(ids: i64[K, S]) -> [K, d] {
    let x = gelu(fc(emb(ids)))
    return gather_rows(x, argmax(ids, axis: -1))
  }
}

model Tok(v: int = 9, d: int = 4) {
  text = Text(v, d)
  head = Linear(d, 2)
  forward(ids: i64[K, S]) -> [K, 2] {
    return head(text(ids))
  }
}
`;
  const gradsWith = (recompute: string[]) => {
    const r = compile(file, memoryHost({ [file]: source }), { recompute });
    assert.equal(renderAll(r.diagnostics), "");
    const run = lowerToTfjs(r.value!);
    const vars = createParams(r.value!, undefined, { trainable: true, seed: 3 }) as Map<string, tf.Variable>;
    const ids = tf.tensor2d([1, 7, 3, 0, 8, 2, 5, 5, 6], [3, 3], "int32");
    const { value, grads } = tf.variableGrads(
      () => tf.sum(run.run({ ids }, paramStore(vars), { training: true }).outputs.out) as tf.Scalar,
      [...vars.values()],
    );
    const out = {
      loss: value.dataSync()[0],
      grads: new Map([...vars].map(([k, t]) => [k, [...grads[t.name].dataSync()]])),
    };
    tf.dispose([value, ids, ...Object.values(grads), ...vars.values()]);
    return out;
  };
  const plain = gradsWith([]);
  const recomputed = gradsWith(["text"]);
  assert.is(recomputed.loss, plain.loss);
  assert.equal([...recomputed.grads.keys()], [...plain.grads.keys()]);
  for (const [k, g] of plain.grads) assert.equal(recomputed.grads.get(k), g, k);
  assert.ok(
    plain.grads.get("text.emb.weight")!.some((v) => v !== 0),
    "the embedding has a gradient",
  );
});

test("inference ignores the marks: recomputation is a training matter", () => {
  const a = lowered([]);
  const b = lowered(["blocks"]);
  const params = createParams(a.ir, undefined, { trainable: false, seed: 3 });
  const x = tf.ones([2, 6]);
  const ya = a.run.run({ x }, paramStore(params)).outputs.out;
  const yb = b.run.run({ x }, paramStore(params)).outputs.out;
  assert.equal([...yb.dataSync()], [...ya.dataSync()]);
  tf.dispose([x, ya, yb, ...params.values()]);
});

const DROP_FILE = "drop.mdl";
const DROP_SOURCE = `import { Linear } from "std"

block Drop(d: int) {
  fc = Linear(d, d)
  forward(x: [N, d]) -> [N, d] {
    return dropout(fc(x), 0.5)
  }
}

model Dropped(d: int = 6) {
  blk = Drop(d)
  forward(x: f32[N, d]) -> [N, d] {
    return blk(x)
  }
}
`;

// a stochastic op (traits.stochastic) must draw the same mask when its run is recomputed: the bias's gradient
// counts, per feature, the rows the forward kept, each scaled by 1 / (1 - rate)
test("a recomputed dropout draws the forward's mask again in the backward", () => {
  const r = compile(DROP_FILE, memoryHost({ [DROP_FILE]: DROP_SOURCE }), { recompute: ["blk"] });
  assert.equal(renderAll(r.diagnostics), "");
  const ir = r.value!;
  const run = lowerToTfjs(ir);
  const vars = createParams(ir, undefined, { trainable: true, seed: 7 }) as Map<string, tf.Variable>;
  const x = tf.tensor2d(
    Array.from({ length: 32 * 6 }, (_, i) => 1 + Math.abs(Math.sin(i))),
    [32, 6],
  );
  let y: Float32Array = new Float32Array();
  const { value, grads } = tf.variableGrads(() => {
    const out = run.run({ x }, paramStore(vars), { training: true }).outputs.out;
    y = out.dataSync() as Float32Array;
    return tf.sum(out) as tf.Scalar;
  }, [...vars.values()]);
  const bias = grads[vars.get("blk.fc.bias")!.name].dataSync();
  const kept = Array.from(
    { length: 6 },
    (_, j) => 2 * Array.from({ length: 32 }, (_, i) => y[i * 6 + j]).filter((v) => v !== 0).length,
  );
  assert.ok(
    kept.some((k) => k > 0 && k < 64),
    `some rows dropped, some kept: ${kept}`,
  );
  assert.equal(
    Array.from(bias, (v) => Math.round(v * 1e4) / 1e4),
    kept,
  );
  tf.dispose([value, x, ...Object.values(grads), ...vars.values()]);
});

test.run();
