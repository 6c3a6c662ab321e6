/**
 * Every op with a decomposition (the op table's `decompose`), on every one of its samples: the decomposed graph,
 * decomposed all the way down and evaluated node by node with the float64 references (test/ops/reference.ts), equals
 * the op's own float64 reference, the causal attention cases included. And where an engine keeps a fused kernel
 * (tfjs's attention, gelu, l2_normalize), the decomposition run on that engine is the fused kernel's reference.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { IR_VERSION, type ModelIR } from "../../src/compiler/0-core/schema.ts";
import { evalDim } from "../../src/compiler/0-core/dim.ts";
import { opDef, opNames, type OpName } from "../../src/compiler/ops/table.ts";
import { samples, type OpSample, type SampleValues } from "../../src/compiler/ops/samples.ts";
import { GraphBuilder } from "../../src/compiler/5-train/emit.ts";
import { decompose } from "../../src/compiler/5-train/decompose.ts";
import { deriveSeed, mulberry32, type Rng } from "../../src/runtime/data/rng.ts";
import { createSession, ortMissing } from "../../src/runtime/onnx/session.ts";
import { lowerToTfjs, paramStore, predict } from "../../src/runtime/tfjs/lower.ts";
import { needs } from "../helpers/requires.ts";
import { wasm1 } from "../tfjs/helpers.ts";
import { refAttention, reference, type Arr } from "./reference.ts";

const decomposable = opNames.filter((op) => opDef(op).decompose);

/** One op on inputs x0, x1, ...; its value is the output `y`. */
function oneOp(op: OpName, s: OpSample): ModelIR {
  const b = new GraphBuilder([]);
  const xs = s.args.map((a, i) => b.input(`x${i}`, a.dtype, a.shape));
  const y = b.op(op, xs, s.attrs);
  const port = (name: string, v: typeof y) => ({ name, value: v.id, type: { dtype: v.dtype, shape: v.shape } });
  return {
    irVersion: IR_VERSION,
    model: "OneOp",
    file: `<${op}>`,
    hyper: [],
    symbols: Object.keys(s.bind ?? {}),
    modules: [{ path: "", block: "OneOp", hyper: {}, params: [], children: [] }],
    params: [],
    graph: { inputs: xs.map((x, i) => port(`x${i}`, x)), outputs: [port("y", y)], nodes: b.nodes, calls: [] },
  };
}

function draw(rng: Rng, values: SampleValues, n: number): number[] {
  const normal = (scale: number) => () =>
    scale * Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  if (values === "normal") return Array.from({ length: n }, normal(1));
  if (values === "positive") return Array.from({ length: n }, () => 0.5 + 1.5 * rng.next());
  if ("normal" in values) return Array.from({ length: n }, normal(values.normal));
  if ("data" in values) return values.data;
  throw new Error(`no float draw for ${JSON.stringify(values)}`);
}

/** The sample's operands, float32-rounded (what an engine is given), as float64 arrays. */
function operands(op: OpName, s: OpSample): Arr[] {
  const rng = mulberry32(deriveSeed(7, op, s.name));
  return s.args.map((a) => {
    const shape = a.shape.map((d) => evalDim(d, s.bind ?? {}));
    return {
      shape,
      data: Float64Array.from(
        draw(
          rng,
          a.values,
          shape.reduce((p, d) => p * d, 1),
        ),
        Math.fround,
      ),
    };
  });
}

/** A graph evaluated node by node with the float64 references, its dim attributes bound by the sample. */
function evaluate(ir: ModelIR, xs: Arr[], bind: Record<string, number>): Arr {
  const values: Arr[] = [];
  for (const n of ir.graph.nodes) {
    if (n.op === "input") values[n.id] = xs[Number((n.attrs.name as string).slice(1))];
    else if (n.op === "const") values[n.id] = { shape: [], data: Float64Array.of(n.attrs.value) };
    else {
      const attrs: Record<string, unknown> = { ...n.attrs };
      for (const k of opDef(n.op).dims) attrs[k] = (attrs[k] as (number | string)[]).map((d) => evalDim(d, bind));
      values[n.id] = (reference[n.op] as (xs: Arr[], attrs: unknown) => Arr)(
        n.args.map((a) => values[a]),
        attrs,
      );
    }
  }
  return values[ir.graph.outputs[0].value];
}

/** max|got - want| / max|want|; an entry NaN in both (0 / 0) counts as equal. */
function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  let scale = 1e-30;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    if (Number.isNaN(got[i]) && Number.isNaN(want[i])) continue;
    const d = Math.abs(got[i] - want[i]);
    worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
  }
  return worst / scale;
}

test("attention, attention_probs, gelu and l2_normalize have decompositions (the ONNX lowering needs the first three)", () => {
  assert.equal(decomposable, ["gelu", "l2_normalize", "attention", "attention_probs"]);
});

test("decomposed all the way down, attention holds no attention_probs and the causal case has its mask", () => {
  const causal = samples.attention.find((s) => s.attrs.causal)! as OpSample;
  const ops = decompose(oneOp("attention", causal), () => false).ir.graph.nodes.map((n) => n.op);
  assert.not.ok(ops.includes("attention") || ops.includes("attention_probs"), ops.join(" "));
  assert.ok(ops.includes("softmax") && ops.includes("log"), ops.join(" "));
  const plain = decompose(
    oneOp("attention", samples.attention.find((s) => !s.attrs.causal)! as OpSample),
    () => false,
  ).ir.graph.nodes.map((n) => n.op);
  assert.not.ok(plain.includes("log"), plain.join(" "));
});

test("what the engine keeps stays fused, and idOf leads each old node to its value", () => {
  const ir = oneOp("attention", samples.attention[0] as OpSample);
  const kept = decompose(ir, (op) => op !== "attention");
  assert.equal(
    kept.ir.graph.nodes.map((n) => n.op),
    ["input", "input", "input", "attention_probs", "matmul"],
  );
  assert.equal(kept.idOf, [0, 1, 2, 4]);
  assert.is(kept.ir.graph.outputs[0].value, 4);
  assert.equal(kept.ir.graph.outputs[0].type, ir.graph.outputs[0].type);
  // nothing to replace: the same graph back
  assert.is(decompose(ir, () => true).ir, ir);
});

for (const op of decomposable) {
  test(`${op}: the decomposition equals the float64 reference on every sample`, () => {
    const failures: string[] = [];
    for (const s of samples[op] as OpSample[]) {
      const xs = operands(op, s);
      const want = (reference[op] as (xs: Arr[], attrs: unknown) => Arr)(xs, opDef(op).attrs.parse(s.attrs));
      const { ir } = decompose(oneOp(op, s), () => false);
      const got = evaluate(ir, xs, s.bind ?? {});
      const err = relError(got.data, want.data);
      if (got.shape.join() !== want.shape.join())
        failures.push(`"${s.name}": shape [${got.shape}], want [${want.shape}]`);
      else if (!(err <= 1e-12)) failures.push(`"${s.name}": norm-relative error ${err}`);
    }
    assert.equal(failures, []);
  });
}

test("on tfjs-wasm, each fused kernel equals the decomposition run on the same engine", async () => {
  await wasm1();
  const failures: string[] = [];
  const run = (ir: ModelIR, xs: Arr[]) => {
    const inputs = Object.fromEntries(xs.map((x, i) => [`x${i}`, tf.tensor(Float32Array.from(x.data), x.shape)]));
    const { outputs } = predict(lowerToTfjs(ir), inputs, paramStore(new Map()));
    const data = outputs.y.dataSync();
    tf.dispose([outputs.y, ...Object.values(inputs)]);
    return data;
  };
  for (const op of decomposable) {
    for (const s of samples[op] as OpSample[]) {
      const ir = oneOp(op, s);
      const xs = operands(op, s);
      const err = relError(run(ir, xs), run(decompose(ir, () => false).ir, xs));
      if (!(err <= 1e-5)) failures.push(`${op} "${s.name}": the fused kernel is ${err} from the decomposition`);
    }
  }
  assert.equal(failures, []);
});

// the mask is built from table ops whose shapes may be polynomials; the hand-written ONNX mask needed numbers
needs(test, await ortMissing())(
  "ONNX Runtime runs causal attention over a symbolic length, one session for every length",
  async () => {
    const sample: OpSample = {
      name: "symbolic",
      args: [
        [2, "L", 3],
        [2, "L", 3],
        [2, "L", 2],
      ].map((shape) => ({ dtype: "f32", shape, values: "normal" })),
      attrs: { scale: 0.5, causal: true },
    };
    const session = await createSession(oneOp("attention", sample), { threads: 1 });
    try {
      for (const L of [1, 4]) {
        const xs = operands("attention", { ...sample, bind: { L } });
        const out = await session.run(
          Object.fromEntries(
            xs.map((x, i) => [`x${i}`, { dtype: "f32", shape: x.shape, data: Float32Array.from(x.data) }]),
          ),
        );
        const want = refAttention(xs[0], xs[1], xs[2], 0.5, true);
        assert.equal(out.y.shape, want.shape);
        assert.ok(
          relError(out.y.data as Float32Array, want.data) < 1e-5,
          `L = ${L}: ${relError(out.y.data as Float32Array, want.data)}`,
        );
      }
    } finally {
      await session.dispose();
    }
  },
);

test.run();
