// What training selects by path pattern: --freeze/--train-only, the learning-rate groups X-CLIP declares,
// and 20 real steps in which exactly the selected tensors change.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { matchPath, patternProblem } from "../../src/compiler/paths/pattern.ts";
import { MdlError } from "../../src/compiler/diagnostics/diagnostic.ts";
import { compile } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import { initBackend } from "../../src/runtime/tfjs/backend.ts";
import { loadSplit } from "../../src/runtime/session/data.ts";
import { fit } from "../../src/runtime/session/fit.ts";
import { disposeModel } from "../../src/runtime/session/model.ts";
import { frozenParams, modelLrScales, paramsUnder, parseLrGroup } from "../../src/runtime/session/select.ts";
import { groupsFor } from "../../src/runtime/train/optimizer.ts";
import { createParams, toTorchLayout } from "../../src/runtime/tfjs/lower.ts";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { latestCheckpoint } from "../../src/runtime/train/checkpoint.ts";
import { cleanup, scratch, smallData, tinyIr } from "./helpers.ts";

test.before(() => initBackend({ backend: "wasm", threads: 1 }).then(() => undefined));
test.after(cleanup);

const code = (c: string) => (e: unknown) => e instanceof MdlError && e.diagnostic.code === c;

test("matchPath: * is one segment, ** any number (none included), indices are segments, * inside a segment globs", () => {
  const cases: [string, string, boolean][] = [
    ["visual.**", "visual.conv1.weight", true],
    ["visual.**", "visual", true],
    ["visual.**", "visualx.conv1", false],
    ["visual.transformer.resblocks.*.attn", "visual.transformer.resblocks.11.attn", true],
    ["visual.transformer.resblocks.*.attn", "visual.transformer.resblocks.11.mlp", false],
    ["visual.transformer.resblocks.*.attn", "visual.transformer.resblocks.attn", false],
    ["**.message_*", "visual.transformer.resblocks.0.message_fc", true],
    ["**.message_*", "message_fc", true],
    ["**.message_*", "visual.transformer.resblocks.0.message_fc.weight", false],
    ["prompts_*", "prompts_visual_proj", true],
    ["prompts_*", "prompts", false],
    ["resblocks.11", "resblocks.11", true],
    ["resblocks.1", "resblocks.11", false],
    ["**", "", true],
    ["*", "", false],
  ];
  for (const [p, path, want] of cases) assert.is(matchPath(p, path), want, `${p} vs ${path}`);
  assert.is(patternProblem("visual.**"), undefined);
  for (const bad of ["", "a..b", ".a", "a**", "a.b-c"]) assert.ok(patternProblem(bad), `\`${bad}\` is refused`);
});

test("--freeze patterns select what the issue's examples name; a pattern that selects nothing is MDL450", () => {
  const ir = tinyIr("models/xclip.mdl");
  const keys = ir.params.map((p) => p.path);
  assert.equal([...paramsUnder(ir, ["visual.**"])].sort(), keys.filter((k) => k.startsWith("visual.")).sort());
  const attn = [...paramsUnder(ir, ["visual.transformer.resblocks.*.attn"])].sort();
  assert.equal(attn, keys.filter((k) => /^visual\.transformer\.resblocks\.\d+\.attn\./.test(k)).sort());
  assert.is(attn.length, 2 * 4, "2 layers x in_proj weight/bias and out_proj weight/bias");
  // one layer of the stack, by index
  assert.ok(
    [...paramsUnder(ir, ["visual.transformer.resblocks.1"])].every((k) =>
      k.startsWith("visual.transformer.resblocks.1."),
    ),
  );
  assert.throws(() => paramsUnder(ir, ["visual.*.nothing"]), code("MDL450"));
  assert.throws(() => paramsUnder(ir, ["visual..conv1"]), code("MDL390"));
  assert.throws(() => paramsUnder(ir, ["no_such_module"]), code("MDL211"));
});

test("a pattern that names a key inside a `use`d module gets a did-you-mean with the real key", () => {
  const ir = tinyIr("models/xclip.mdl");
  const hint = (p: string) => {
    try {
      paramsUnder(ir, [p], "--freeze");
    } catch (e) {
      if (e instanceof MdlError) return `${e.diagnostic.code} ${e.diagnostic.hint ?? ""}`;
    }
    return "selected";
  };
  // encode_text's keys sit at the top level; the one it holds comes first, not visual's or mit's
  assert.is(hint("encode_text.positional_embedding"), "MDL211 did you mean `positional_embedding`?");
  assert.match(
    hint("encode_text.*.weight"),
    /^MDL450 did you mean `token_embedding\.weight`, `transformer\.resblocks\.0\.[a-z_.]+`, `[a-z_.0-9]+` \(and 4 more\)\?$/,
  );
  assert.is(hint("no_such_module"), "MDL211 ");
});

test("--train-only freezes everything else; freezing everything is MDL452, not an engine error", () => {
  const ir = tinyIr("models/xclip.mdl");
  const frozen = frozenParams(ir, { trainOnly: ["mit"] });
  const trained = ir.params.map((p) => p.path).filter((k) => !frozen.has(k));
  assert.ok(trained.length > 0 && trained.every((k) => k.startsWith("mit.")), trained.join(", "));
  assert.throws(() => frozenParams(ir, { freeze: ["**"] }), code("MDL452"));
  assert.throws(() => frozenParams(ir, { trainOnly: ["mit"], freeze: ["mit"] }), code("MDL452"));
});

test("X-CLIP's declared lr groups are the old hard-coded rule (mit., prompts_, message_) on every parameter, tiny and B/32", () => {
  const oldRule = (k: string) => (k.startsWith("mit.") || k.startsWith("prompts_") || k.includes("message_") ? 10 : 1);
  for (const preset of ["tiny", "B/32"]) {
    const ir = compile("models/xclip.mdl", fsHost, { preset, verify: false }).value!;
    const keys = ir.params.map((p) => p.path);
    const scales = modelLrScales(ir, []);
    for (const k of keys) assert.is(scales.get(k) ?? 1, oldRule(k), `${preset} ${k}`);
    assert.ok(keys.filter((k) => oldRule(k) === 10).length > 10);
    const old = groupsFor(keys, { baseDecay: 0.001, lrScale: new Map(keys.map((k) => [k, oldRule(k)])) });
    assert.equal(groupsFor(keys, { baseDecay: 0.001, lrScale: scales }), old);
  }
  // the command line adds groups after the model's: a later group wins
  const ir = tinyIr("models/xclip.mdl");
  const scales = modelLrScales(ir, [parseLrGroup("**=1"), parseLrGroup("visual.**.message_*=x3")]);
  assert.is(scales.get("mit.positional_embedding"), 1);
  assert.is(scales.get("visual.transformer.resblocks.0.message_fc.weight"), 3);
  assert.throws(() => parseLrGroup("mit"), code("MDL455"));
  assert.throws(() => modelLrScales(ir, [parseLrGroup("nothing.*=2")]), code("MDL450"));
});

test("20 steps with --train-only and --freeze patterns: frozen tensors bit-identical, every selected one changed", async () => {
  const dir = smallData();
  const train = await loadSplit(dir, "train");
  const ir = tinyIr("models/xclip.mdl");
  const out = scratch("select");
  const sel = { trainOnly: ["visual.transformer.resblocks.*.message_*", "mit"], freeze: ["mit.positional_embedding"] };
  const res = await fit({
    ir,
    classes: train.classes,
    entries: train.entries,
    out,
    seed: 3,
    batch: 2,
    steps: 20,
    lr: 1e-2,
    ...sel,
    progress: "none",
  });
  disposeModel(res.model);
  const saved = readSafetensors(join(latestCheckpoint(out)!, "weights.safetensors")).tensors;
  const init = createParams(ir, undefined, { trainable: false, seed: 3 });
  const frozen = frozenParams(ir, sel);
  const trained: string[] = [];
  for (const [k, t] of init) {
    const a = (await toTorchLayout(ir, k, t)).data;
    const b = saved.get(k)!.data as Float32Array;
    const same = a.length === b.length && a.every((x, i) => x === b[i]);
    if (frozen.has(k)) assert.ok(same, `${k} is frozen but changed`);
    else {
      assert.not.ok(same, `${k} is trained but did not change`);
      trained.push(k);
    }
  }
  tf.dispose([...init.values()]);
  assert.ok(trained.some((k) => k.includes(".message_attn.")) && trained.some((k) => k.startsWith("mit.resblocks.")));
  assert.not.ok(trained.includes("mit.positional_embedding"));
  console.log(`  ${trained.length} of ${init.size} tensors trained, ${init.size - trained.length} bit-identical`);
});

test.run();
