import { test } from "uvu";
import * as assert from "uvu/assert";
import { MdlError } from "../../src/compiler/diagnostics/diagnostic.ts";
import { assertStrict, coverage, formatCoverage } from "../../src/runtime/weights/coverage.ts";
import { loadCheckpoint, shapesOf } from "../../src/runtime/weights/load.ts";
import { FIXTURES } from "./helpers.ts";

test("a deliberately incomplete and partly wrong set against the fixture's parameters", () => {
  const ckpt = loadCheckpoint(`${FIXTURES}/clip-tiny/weights.safetensors`);
  const expected = [...shapesOf(ckpt)].map(([path, shape]) => ({ path, shape }));
  const found = new Map([...shapesOf(ckpt)].map(([k, shape]) => [k, { shape }]));
  found.delete("ln_final.bias");
  found.delete("visual.proj");
  const width = found.get("visual.ln_pre.weight")!.shape[0];
  found.set("visual.ln_pre.weight", { shape: [width + 1] });
  found.set("extra.thing", { shape: [2] });
  expected.push({ path: "logit_bias", shape: [] });

  const c = coverage(expected, found);
  assert.equal(c.missing, ["ln_final.bias", "visual.proj", "logit_bias"]);
  assert.equal(c.unexpected, ["extra.thing"]);
  assert.equal(c.mismatched, [{ name: "visual.ln_pre.weight", declared: [width], found: [width + 1] }]);
  assert.is(c.loaded.length, expected.length - 4);
  assert.ok(!c.loaded.includes("visual.ln_pre.weight"));

  const text = formatCoverage(c);
  assert.ok(text.startsWith(`loaded ${expected.length - 4} of ${expected.length} parameters\n`), text);
  assert.ok(text.includes(`visual.ln_pre.weight  declared [${width}], checkpoint [${width + 1}]`), text);
  assert.match(text, /missing from the checkpoint \(3\):\n  ln_final\.bias\n  visual\.proj\n  logit_bias/);
  assert.match(text, /not parameters of the model \(1\):\n  extra\.thing/);

  try {
    assertStrict(c, "w.safetensors");
    assert.unreachable("assertStrict passed");
  } catch (err) {
    assert.instance(err, MdlError);
    const d = (err as MdlError).diagnostic;
    assert.is(d.code, "MDL509");
    assert.is(d.file, "w.safetensors");
    assert.is(d.message, `\`visual.ln_pre.weight\` is declared [${width}] but the checkpoint has [${width + 1}]`);
    assert.equal(d.notes!.map((n) => n.message), [
      "3 parameters are missing from the checkpoint: `ln_final.bias`, `visual.proj`, `logit_bias`",
      "1 tensor is not parameters of the model: `extra.thing`",
    ]);
  }
});

test("a complete match passes strict checking", () => {
  const shapes = shapesOf(loadCheckpoint(`${FIXTURES}/xclip-tiny-e64/weights.safetensors`));
  const c = coverage([...shapes].map(([path, shape]) => ({ path, shape })), new Map([...shapes].map(([k, s]) => [k, { shape: s }])));
  assert.is(c.loaded.length, shapes.size);
  assert.equal([c.missing, c.unexpected, c.mismatched], [[], [], []]);
  assertStrict(c, "ok");
  assert.is(formatCoverage(c), `loaded ${shapes.size} of ${shapes.size} parameters`);
});

test("missing alone raises weights_missing", () => {
  const c = coverage([{ path: "a", shape: [1] }], new Map());
  assert.throws(() => assertStrict(c, "f"), (e: MdlError) => e.diagnostic.code === "MDL507" && !e.diagnostic.notes);
});

test.run();
