/** Diff figures against counts worked out by hand from the architecture, not from the diff itself. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compileSpec, parseModelSpec } from "../../src/cli/diff.ts";
import { diffModels } from "../../src/tools/diff/diff.ts";

const SAMPLES = "test/diff/samples";
const xclip = compileSpec(parseModelSpec("models/xclip.mdl"), {});
const variant = (name: string) => diffModels(xclip, compileSpec(parseModelSpec(`${SAMPLES}/${name}/input.mdl`), {}));
const paramsDelta = (d: ReturnType<typeof diffModels>) => d.total.b.params - d.total.a.params;

// One pre-norm transformer block of width d: packed qkv (3d^2 + 3d), out proj (d^2 + d), two
// LayerNorms (4d), MLP d -> 4d -> d (8d^2 + 5d).
const block = (d: number) => 12 * d * d + 13 * d;

test("mit_layers 1 -> 4 adds three blocks of width 512, as one group of alike modules", () => {
  const d = variant("mit-layers");
  assert.is(paramsDelta(d), 3 * block(512));
  assert.equal(d.hyper, [
    { name: "mit_layers", a: { value: 1, source: "default" }, b: { value: 4, source: "variant", origin: "XClipMit4" } },
  ]);
  assert.equal(
    d.modules.filter((m) => m.status === "added").map((m) => m.path),
    ["mit.resblocks.1", "mit.resblocks.2", "mit.resblocks.3"],
  );
  assert.equal(d.modules.find((m) => m.path === "mit")!.hyper, [{ name: "layers", a: 1, b: 4 }]);
});

test("frames 8 -> 16: the MIT positional embedding grows by 8 x 512 and is the only new parameter", () => {
  const d = variant("frames");
  assert.is(paramsDelta(d), 8 * 512);
  const mit = d.modules.find((m) => m.path === "mit")!;
  assert.equal(mit.params, [{ key: "mit.positional_embedding", a: [1, 8, 512], b: [1, 16, 512] }]);
  assert.equal(d.ports, [
    {
      kind: "input",
      name: "video",
      a: { dtype: "f32", shape: ["B", 8, 3, 224, 224] },
      b: { dtype: "f32", shape: ["B", 16, 3, 224, 224] },
    },
  ]);
});

test("patch 32 -> 16: conv1 kernel shrinks, positional embedding grows from 7x7+1 to 14x14+1 tokens", () => {
  const d = variant("b32-vs-b16");
  assert.is(paramsDelta(d), 768 * 3 * (16 * 16 - 32 * 32) + (197 - 50) * 768);
  const conv = d.modules.find((m) => m.path === "visual.conv1")!;
  // std's Conv2d draws uniform(-b, b) with b = 1/sqrt(fan_in), torch's default: the bound changes with the kernel
  const bound = (k: number) => (3 * k * k) ** -0.5;
  const init = (k: number) => ({ kind: "uniform", args: [-bound(k), bound(k)] });
  assert.equal(conv.params, [
    { key: "visual.conv1.weight", a: [768, 3, 32, 32], b: [768, 3, 16, 16], init: { a: init(32), b: init(16) } },
  ]);
  // conv1 MACs: output positions x (in channels x kernel area) x out channels, for 8 frames
  assert.is(conv.cost.b!.macs, 8 * 14 * 14 * 768 * 3 * 16 * 16);
});

test("removing the prompt generator removes exactly its parameters", () => {
  const d = variant("no-prompts");
  const removed = d.modules.filter((m) => m.status === "removed");
  assert.equal(
    removed.map((m) => m.path),
    ["prompts_generator", "project_patches"],
  );
  const generator = xclip.params
    .filter((p) => p.path.startsWith("prompts_generator."))
    .reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  // project_patches is a `use` member (its keys sit at the top level): LayerNorm(768) + a [768, 512] projection
  const projection = 2 * 768 + 768 * 512;
  assert.is(removed[1].cost.a!.params, projection);
  assert.is(-paramsDelta(d), generator + projection);
});

test("a model diffed with itself has no change and counts every module as unchanged", () => {
  const d = diffModels(xclip, xclip);
  assert.is(d.changed, false);
  assert.is(d.modules.length, 0);
  assert.is(d.unchanged, xclip.modules.length);
});

test.run();
