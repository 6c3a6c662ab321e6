/**
 * Members no forward uses (issue 22 point 4): a warning (MDL361) in `mdl check` and the editor, and a `remove` of
 * such a member stands even when it is not `optional`; a removed member that a forward still calls is MDL313.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { expectGolden } from "../helpers/golden.ts";
import { compileSample, compileText, rendered } from "../compiler/helpers.ts";

const SAMPLE = "test/check/samples/warning-unused-member";

test("a variant that overrides the forward removes a member it no longer calls; a forgotten member warns", () => {
  const r = compileSample(SAMPLE);
  assert.ok(r.value, rendered(r));
  assert.equal(
    r.diagnostics.map((d) => `${d.severity} ${d.code}`),
    ["warning MDL361"],
  );
  assert.ok(!r.value!.params.some((p) => p.path.startsWith("mit.")), "mit is gone");
  expectGolden(rendered(r), `${SAMPLE}/diagnostics.txt`);
});

const base = (forward: string) => `import { LayerNorm, Linear } from "std"
model Base(d: int = 8) {
  norm = LayerNorm(d)
  fc = Linear(d, d)
  forward(x: [2, d]) -> [2, d] { ${forward} }
}
model Variant extends Base {
  remove norm
}`;

test("remove of a member the forward calls is MDL313, of one it does not is allowed", () => {
  assert.equal(
    compileText(base("return fc(norm(x))"), { model: "Variant" }).diagnostics.map((d) => d.code),
    ["MDL313"],
  );
  const ok = compileText(base("return fc(x)"), { model: "Variant" });
  assert.equal(
    ok.diagnostics.map((d) => d.code),
    [],
  );
  assert.ok(ok.value);
  // the base itself keeps its unused member, and says so
  assert.equal(
    compileText(base("return fc(x)"), { model: "Base" }).diagnostics.map((d) => d.code),
    ["MDL361"],
  );
});

test("a member used only by the base's forward, reached through super(x), is used", () => {
  const text = `import { LayerNorm, Linear } from "std"
block A(d: int) {
  norm = LayerNorm(d)
  forward(x: [B, d]) -> [B, d] { return norm(x) }
}
block B2 extends A {
  fc = Linear(d, d)
  forward(x: [B, d]) -> [B, d] { return fc(super(x)) }
}
block B3 extends A {
  fc = Linear(d, d)
  forward(x: [B, d]) -> [B, d] { return fc(x) }
}
model M(d: int = 8) {
  b2 = B2(d)
  b3 = B3(d)
  forward(x: [2, d]) -> [2, d] { return b3(b2(x)) }
}`;
  const r = compileText(text);
  assert.equal(
    r.diagnostics.map((d) => `${d.code} ${d.message}`),
    ["MDL361 `norm` of `B3` is used by no forward; call it in `forward`, or remove it"],
  );
});

test("a variant model's forward calls its base model's with super(...): the base's graph, then its own step", () => {
  const text = `import { XCLIP } from "./models/xclip.mdl"
model XCLIPScaled extends XCLIP {
  param extra_scale: [] = fill(1.0)
  forward(video: f32[B, frames, 3, resolution, resolution], text: i64[K, context]) -> (logits: [B, K]) {
    let out = super(video, text)
    return (logits: extra_scale * out.logits)
  }
}`;
  const r = compileText(text, { preset: "tiny" });
  assert.equal(
    r.diagnostics.map((d) => d.code),
    [],
  );
  const ir = r.value!;
  assert.ok(
    ir.params.some((p) => p.path === "mit.positional_embedding") && ir.params.some((p) => p.path === "extra_scale"),
  );
  const last = ir.graph.nodes[ir.graph.nodes.length - 1];
  assert.is(last.op, "mul", "the variant's own step comes last");
});

test.run();
