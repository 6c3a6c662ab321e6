/**
 * The shortest text context is exact: the text half of CLIP and X-CLIP, cut after the last end token,
 * gives the features of the full-context run (on ONNX Runtime, fixture weights); where the IR does not
 * prove the mask causal, no cut is made.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ModelIR } from "../../src/compiler/0-core/schema.ts";
import { neededContext, truncateContext } from "../../src/runtime/run/causal-context.ts";
import { splitByInputs } from "../../src/runtime/run/split.ts";
import { createSession } from "../../src/runtime/onnx/session.ts";
import { checkpointWeights } from "../../src/runtime/run/load-params.ts";
import { compileWith, FIXTURES } from "../run/helpers.ts";
import { hostRelError } from "./helpers.ts";
import { compile } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";

/** Short texts: start token, a few ids, the end token (the largest id), padding. */
function texts(vocab: number, context: number, lengths: number[]): Int32Array {
  const ids = new Int32Array(lengths.length * context);
  lengths.forEach((n, r) => {
    ids[r * context] = vocab - 2;
    for (let i = 1; i <= n; i++) ids[r * context + i] = 1 + ((r * 7 + i * 13) % (vocab - 3));
    ids[r * context + n + 1] = vocab - 1;
  });
  return ids;
}

for (const [fixture, model, visual] of [
  ["clip-tiny", "models/clip.mdl", "image"],
  ["xclip-tiny-e64", "models/xclip.mdl", "video"],
]) {
  test(`${fixture}: the text features from the shortest context equal the full-context run`, async () => {
    const { ir, ckpt } = compileWith(model, `${FIXTURES}/${fixture}/weights.safetensors`);
    const { fixed } = splitByInputs(ir, [visual]);
    const context = fixed.graph.inputs[0].type.shape[1] as number;
    const vocab = ir.params.find((p) => p.path === "token_embedding.weight")!.shape[0];
    const ids = texts(vocab, context, [1, 4, 2]);
    const L = neededContext(ids, 3, context);
    assert.is(L, 6);
    const cut = truncateContext(fixed, "text", L);
    assert.ok(cut, "the text tower is provably causal");
    assert.equal(cut!.graph.inputs[0].type.shape, ["K", L]);
    assert.ok(cut!.graph.nodes.filter((n) => n.op === "attention").every((n) => n.type.shape.includes(L)));
    const { weights } = checkpointWeights(ir, ckpt);
    const full = await createSession(fixed, { weights, threads: 1 });
    const short = await createSession(cut!, { weights, threads: 1 });
    const a = await full.run({ text: { dtype: "i32", shape: [3, context], data: ids } });
    const shortIds = Int32Array.from({ length: 3 * L }, (_, i) => ids[Math.floor(i / L) * context + (i % L)]);
    const b = await short.run({ text: { dtype: "i32", shape: [3, L], data: shortIds } });
    for (const name of Object.keys(a))
      assert.ok(hostRelError(b[name], a[name], name) < 1e-6, `${name}: ${hostRelError(b[name], a[name], name)}`);
    await full.dispose();
    await short.dispose();
  });
}

test("no cut where the mask is not causal, or where positions are mixed", () => {
  const { ir } = compileWith("models/clip.mdl", `${FIXTURES}/clip-tiny/weights.safetensors`);
  const { fixed } = splitByInputs(ir, ["image"]);
  const uncausal: ModelIR = {
    ...fixed,
    graph: {
      ...fixed.graph,
      nodes: fixed.graph.nodes.map((n) => (n.op === "attention" ? { ...n, attrs: { ...n.attrs, causal: false } } : n)),
    },
  };
  assert.is(truncateContext(uncausal, "text", 4), undefined);
  const meanOverTokens: ModelIR = {
    ...fixed,
    graph: {
      ...fixed.graph,
      nodes: fixed.graph.nodes.map((n) =>
        n.op === "gather_rows"
          ? { ...n, op: "mean" as const, args: [n.args[0]], attrs: { axes: [1], keepdims: false } }
          : n,
      ),
    },
  };
  assert.is(truncateContext(meanOverTokens, "text", 4), undefined);
  assert.ok(truncateContext(fixed, "text", 4));
});

// the cut follows ops by their traits: erf and greater were missing from the old hand-written list
test("every pointwise op keeps the token axis by its trait (erf, greater: not in any list)", () => {
  const source = `model T(vocab: int = 10, C: int = 8, d: int = 4) {
  param emb: [vocab, d] = normal(0.02)
  forward(text: i64[K, C]) -> [K, d] {
    let h = gather(emb, text)
    let g = erf(h) * cast(greater(h, 0.0), "f32")
    return gather_rows(g, argmax(text, axis: -1))
  }
}
`;
  const r = compile("t.mdl", memoryHost({ "t.mdl": source }), {});
  assert.ok(r.value, r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  const cut = truncateContext(r.value!, "text", 3);
  assert.ok(cut, "the graph is position-wise along the text");
  assert.equal(cut!.graph.inputs[0].type.shape, ["K", 3]);
  assert.ok(cut!.graph.nodes.filter((n) => n.op === "erf").every((n) => n.type.shape[1] === 3));
});

test.run();
