import { test } from "uvu";
import * as assert from "uvu/assert";
import { MdlError } from "../../src/compiler/diagnostics/diagnostic.ts";
import {
  assertShapes,
  assertStrict,
  coverage,
  coverageCounts,
  formatCoverage,
  groupKeys,
} from "../../src/runtime/weights/coverage.ts";
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

  // the mismatched tensor counts twice: its parameter is initialised, the checkpoint's tensor ignored
  assert.equal(coverageCounts(c), { loaded: expected.length - 4, initialised: 4, ignored: 2 });
  const text = formatCoverage(c);
  assert.ok(
    text.startsWith(`loaded ${expected.length - 4} of ${expected.length} parameters, initialised 4, ignored 2\n`),
    text,
  );
  assert.ok(text.includes(`visual.ln_pre.weight  declared [${width}], checkpoint [${width + 1}]`), text);
  // each its own group: ln_final.weight and the rest of visual are loaded, and logit_scale is not a sibling to merge with
  assert.match(
    text,
    /missing from the checkpoint \(3\):\n  ln_final\.bias  1\n  visual\.proj    1\n  logit_bias     1\n/,
  );
  assert.match(text, /not parameters of the model \(1\):\n  extra\.thing$/);

  try {
    assertStrict(c, "w.safetensors");
    assert.unreachable("assertStrict passed");
  } catch (err) {
    assert.instance(err, MdlError);
    const d = (err as MdlError).diagnostic;
    assert.is(d.code, "MDL509");
    assert.is(d.file, "w.safetensors");
    assert.is(d.message, `\`visual.ln_pre.weight\` is declared [${width}] but the checkpoint has [${width + 1}]`);
    assert.equal(
      d.notes!.map((n) => n.message),
      [
        "3 parameters are missing from the checkpoint: `ln_final.bias`, `visual.proj`, `logit_bias`",
        "1 tensor is not parameters of the model: `extra.thing`",
      ],
    );
  }
});

test("a complete match passes strict checking", () => {
  const shapes = shapesOf(loadCheckpoint(`${FIXTURES}/xclip-tiny-e64/weights.safetensors`));
  const c = coverage(
    [...shapes].map(([path, shape]) => ({ path, shape })),
    new Map([...shapes].map(([k, s]) => [k, { shape: s }])),
  );
  assert.is(c.loaded.length, shapes.size);
  assert.equal([c.missing, c.unexpected, c.mismatched], [[], [], []]);
  assertStrict(c, "ok");
  assert.is(formatCoverage(c), `loaded ${shapes.size} of ${shapes.size} parameters`);
});

// keys of a small model: two repeated blocks, sibling heads, a top-level parameter
const KEYS = [
  "embed.weight",
  "blocks.0.attn.w",
  "blocks.0.attn.b",
  "blocks.0.msg_fc.w",
  "blocks.0.msg_ln.w",
  "blocks.0.msg_ln.b",
  "blocks.1.attn.w",
  "blocks.1.attn.b",
  "blocks.1.msg_fc.w",
  "blocks.1.msg_ln.w",
  "blocks.1.msg_ln.b",
  "head_a.w",
  "head_b.w",
  "head_c.w",
  "head_c.b",
  "temporal.pos",
  "temporal.mlp.w",
  "scale",
];
const groups = (chosen: string[]) => groupKeys(KEYS, new Set(chosen)).map((g) => `${g.pattern} ${g.keys.length}`);

test("groupKeys: a module wholly chosen is one group; repeats as * where every element agrees; stem_* for siblings", () => {
  const msg = KEYS.filter((k) => k.includes(".msg_"));
  assert.equal(groups([...msg, "temporal.pos", "temporal.mlp.w", "head_a.w", "head_b.w"]), [
    "blocks.*.msg_* 6",
    "head_a 1",
    "head_b 1",
    "temporal 2",
  ]);
  // head_c wholly chosen too: head_* selects only chosen keys now
  assert.equal(groups(["head_a.w", "head_b.w", "head_c.w", "head_c.b"]), ["head_* 4"]);
  // only block 0's messages: its index stays
  assert.equal(groups(KEYS.filter((k) => k.startsWith("blocks.0.msg_"))), ["blocks.0.msg_* 3"]);
  // a part of a module: the keys themselves, and no stem merge that would take msg_ln.b along
  assert.equal(groups(["blocks.0.msg_fc.w", "blocks.1.msg_fc.w", "blocks.0.msg_ln.w"]), [
    "blocks.*.msg_fc 2",
    "blocks.0.msg_ln.w 1",
  ]);
  assert.equal(groups(KEYS), ["embed 1", "blocks 10", "head_* 4", "temporal 2", "scale 1"]);
  assert.equal(groups([]), []);
  // every key in exactly one group, the groups' patterns select exactly the chosen keys
  const chosen = [...msg, "head_a.w", "scale"];
  const got = groupKeys(KEYS, new Set(chosen));
  assert.equal(got.flatMap((g) => g.keys).sort(), [...chosen].sort());
});

test("a shape mismatch alone: assertShapes refuses it, as torch's load_state_dict does with strict=False", () => {
  const c = coverage(
    [
      { path: "a", shape: [2] },
      { path: "b", shape: [1] },
    ],
    new Map([["a", { shape: [3] }]]),
  );
  assert.throws(
    () => assertShapes(c, "f"),
    (e: MdlError) => e.diagnostic.code === "MDL509" && e.diagnostic.message.includes("`a` is declared [2]"),
  );
  assertShapes(coverage([{ path: "a", shape: [2] }], new Map()), "f");
});

test("missing alone raises weights_missing", () => {
  const c = coverage([{ path: "a", shape: [1] }], new Map());
  assert.throws(
    () => assertStrict(c, "f"),
    (e: MdlError) => e.diagnostic.code === "MDL507" && !e.diagnostic.notes,
  );
});

test.run();
