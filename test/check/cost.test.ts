// Parameters and MACs of the full models against independent figures: the spec's analytic counts
// (../shared/spec/xclip-architecture.md section 8, which agree with a torch-dispatch count) and the
// "FLOPs" column of the official X-CLIP README (39 / 75 / 145 / 287 / 571 G for one video + one text).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { compile, type CompileOptions } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import { analyze } from "../../src/compiler/4-ir/analyze.ts";

const costOf = (file: string, opts: CompileOptions) => {
  const r = compile(file, fsHost, opts);
  assert.ok(r.value, r.diagnostics.map((d) => d.message).join("; "));
  return { ir: r.value!, ...analyze(r.value!) };
};
const within = (got: number, want: number, rel: number, what: string) =>
  assert.ok(Math.abs(got - want) <= rel * want, `${what}: ${got} is not within ${rel * 100}% of ${want}`);

const cases: [string, CompileOptions, number, number][] = [
  // preset, options, spec MACs (G), README "FLOPs" (G)
  ["B/32 8f", { preset: "B/32" }, 39.01, 39],
  ["B/32 16f", { preset: "B/32", set: [["frames", "16"]] }, 74.99, 75],
  ["B/16 8f", { preset: "B/16" }, 144.91, 145],
  ["B/16 16f", { preset: "B/16", set: [["frames", "16"]] }, 286.6, 287],
  ["B/16 32f", { preset: "B/16", set: [["frames", "32"]] }, 570.1, 571],
];
for (const [name, opts, spec, readme] of cases) {
  test(`X-CLIP ${name}: ${spec} GMACs for one video and one text (README ${readme})`, () => {
    const { total } = costOf("models/xclip.mdl", opts);
    within(total.macs / 1e9, spec, 0.005, "MACs vs the spec");
    within(total.macs / 1e9, readme, 0.01, "MACs vs the README");
  });
}

test("X-CLIP-B/32 has 196.59 M parameters, split as the spec counts them", () => {
  const { total, ir } = costOf("models/xclip.mdl", { preset: "B/32" });
  within(total.params / 1e6, 196.59, 0.001, "parameters");
  const sum = (pick: (key: string) => boolean) =>
    ir.params.filter((p) => pick(p.path)).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0) / 1e6;
  within(
    sum((k) => k.startsWith("visual.")),
    123.3,
    0.001,
    "visual",
  );
  within(
    sum((k) => /\.message_(fc|ln|attn)\./.test(k)),
    35.45,
    0.001,
    "message_*",
  );
  within(
    sum((k) => k.startsWith("mit.")),
    3.16,
    0.002,
    "MIT",
  );
  within(
    sum((k) => k.startsWith("prompts_")),
    6.7,
    0.002,
    "prompts_*",
  );
  within(
    sum((k) => !k.startsWith("visual.") && !k.startsWith("mit.") && !k.startsWith("prompts_") && k !== "logit_scale"),
    63.43,
    0.001,
    "text",
  );
});

test("CLIP ViT-B/32 image encoder: 87.85 M parameters and 4.409 GMACs per image", () => {
  const { modules } = costOf("models/clip.mdl", { preset: "B/32" });
  const visual = modules.find((m) => m.path === "visual")!;
  within(visual.params / 1e6, 87.85, 0.001, "parameters");
  within(visual.macs / 1e9, 4.409, 0.001, "MACs");
});

test("mdl summary --json gives the totals and one row per module", () => {
  const r = spawnSync(
    process.execPath,
    ["bin/mdl.js", "summary", "models/xclip.mdl", "--preset", "B/16", "--set", "frames=16", "--json"],
    { encoding: "utf8" },
  );
  assert.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  within(j.total.macs / 1e9, 286.6, 0.005, "JSON total MACs");
  assert.is(j.hyper.frames.value, 16);
  assert.is(j.hyper.frames.source, "cli");
  assert.is(j.hyper.patch.source, "preset");
  const mit = j.modules.find((m: { path: string }) => m.path === "mit");
  assert.equal(mit.output, ["B", 512]);
  assert.is(j.modules.find((m: { path: string }) => m.path === "").params, j.total.params);
});

test.run();
