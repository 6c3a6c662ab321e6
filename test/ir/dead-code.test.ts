/** Dead-code elimination: no IR of models/ keeps a node no graph or module output needs, and verifyIr rejects one. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { compile, modelsOf } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { unreachableNodes, verifyIr } from "../../src/compiler/4-ir/verify.ts";
import type { ModelIR } from "../../src/compiler/0-core/schema.ts";

const files = ["models", "models/variants"].flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith(".mdl"))
    .map((f) => `${d}/${f}`),
);

for (const file of files) {
  test(`every model of ${file} compiles to an IR without dead nodes`, () => {
    const first = compile(file, fsHost);
    const names = modelsOf(first.program).map((m) => m.name);
    assert.ok(names.length > 0, `${file} defines no model`);
    for (const model of names) {
      const r = compile(file, fsHost, { model });
      assert.ok(r.value, `${file} ${model}: ${r.diagnostics.map((d) => d.message).join("; ")}`);
      assert.equal(unreachableNodes(r.value!), [], `${file} ${model}`);
    }
  });
}

test("a module's outputs stay when nothing reads them: the variants' patch tokens (x[:, 1:])", () => {
  const ir = compile("models/variants/clip-meanpool.mdl", fsHost).value!;
  // FrameViT returns (cls, patches); without the prompt generator nothing reads patches, but it is
  // the module's interface (summary and diff show it), so its slice is kept
  const visualSlices = ir.graph.nodes.filter((n) => n.scope === "visual" && n.op === "slice");
  assert.is(visualSlices.length, 2);
  const call = ir.graph.calls.find((c) => c.scope === "visual")!;
  assert.equal(
    call.outputs.map((o) => o.name),
    ["cls", "patches"],
  );
});

test("verifyIr rejects a node no output depends on", () => {
  const file = "test/ir/samples/mlp/input.mdl";
  const ir = compile(file, memoryHost({ [file]: readFileSync(file, "utf8") })).value!;
  assert.equal(verifyIr(ir).diagnostics, []);
  const last = ir.graph.nodes[ir.graph.nodes.length - 1];
  const dead: ModelIR = structuredClone(ir);
  dead.graph.nodes.push({
    ...structuredClone(last),
    id: ir.graph.nodes.length,
    op: "relu",
    args: [last.id],
    attrs: {},
  });
  const msgs = verifyIr(dead).diagnostics.map((d) => d.message);
  assert.equal(msgs, [`invalid IR: 1 node no output depends on: %${ir.graph.nodes.length} (relu)`]);
});

test.run();
