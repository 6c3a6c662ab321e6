/** `recompute` in the source and --recompute on the command line mark the same modules in the IR. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { compile, type CompileOptions } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { renderAll } from "../../src/compiler/diagnostics/render.ts";
import { matchesPattern } from "../../src/compiler/4-ir/recompute.ts";

const FILE = "test/ir/samples/recompute/input.mdl";
const declared = readFileSync(FILE, "utf8");
// the same text without the keyword, blanked to the same length so the spans of everything else stay put
const plain = declared.replace("recompute ", " ".repeat("recompute ".length));

function ir(text: string, opts: CompileOptions = {}) {
  const r = compile(FILE, memoryHost({ [FILE]: text }), opts);
  assert.equal(renderAll(r.diagnostics), "");
  return r.value!;
}
// a member's span starts at its first keyword: where the source text sits is not what is compared
const withoutLocs = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x) => (k === "loc" ? undefined : x)));
const flagged = (text: string, opts?: CompileOptions) => ir(text, opts).modules.filter((m) => m.recompute).map((m) => m.path);

test("the declaration marks each element of the repeat, not the container or its children", () => {
  assert.equal(flagged(declared), ["blocks.0", "blocks.1"]);
  assert.equal(flagged(plain), []);
});

test("--recompute on the repeat, or on its elements by pattern, gives the declaration's IR exactly", () => {
  assert.ok(plain !== declared && plain.length === declared.length);
  const want = withoutLocs(ir(declared));
  assert.equal(withoutLocs(ir(plain, { recompute: ["blocks"] })), want);
  assert.equal(withoutLocs(ir(plain, { recompute: ["blocks.*"] })), want);
  assert.equal(flagged(plain, { recompute: ["blocks.1"] }), ["blocks.1"]);
});

test("a pattern that names no module is an error naming it", () => {
  const r = compile(FILE, memoryHost({ [FILE]: plain }), { recompute: ["blocks.*.nothing"] });
  assert.equal(r.value, undefined);
  assert.match(renderAll(r.diagnostics), /MDL211.*blocks\.\*\.nothing/);
});

test("patterns match whole segments, one per `*`", () => {
  assert.ok(matchesPattern("visual.transformer.resblocks.*", "visual.transformer.resblocks.11"));
  assert.not.ok(matchesPattern("visual.transformer.resblocks.*", "visual.transformer.resblocks.11.attn"));
  assert.not.ok(matchesPattern("visual.*", "visual"));
  assert.not.ok(matchesPattern("res", "resblocks"));
});

test.run();
