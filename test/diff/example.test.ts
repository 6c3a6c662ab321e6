/** examples/diff-variants.ts: runs as documented, and its diffs say what each variant file does. */
import { spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { diffVariants, summarise } from "../../examples/diff-variants.ts";
import { DiffJson } from "../../src/tools/diff/schema.ts";

test("each variant's diff names what its file changes", () => {
  const [noPrompts, meanPool, frames] = diffVariants().map((v) => DiffJson.parse(v.diff));
  assert.equal(
    noPrompts.modules.filter((m) => m.status === "removed").map((m) => m.path),
    ["prompts_generator", "project_patches"],
  );
  assert.equal(noPrompts.hyper, []);
  assert.equal(
    meanPool.modules.filter((m) => m.replaced).map((m) => [m.path, m.replaced!.by]),
    [
      ["visual", "FrameViT"],
      ["mit", "MeanPool"],
    ],
  );
  // MeanPool has no parameters: the whole MIT (positional embedding + one width-512 block) goes
  const mit = meanPool.modules.find((m) => m.path === "mit")!;
  assert.is(mit.cost.a!.params - mit.cost.b!.params, 8 * 512 + 12 * 512 * 512 + 13 * 512);
  assert.equal(
    frames.hyper.map((h) => [h.name, h.b?.value, h.b?.source]),
    [["frames", 16, "cli"]],
  );
  assert.match(summarise(meanPool), /replaced visual \(CrossFrameViT -> FrameViT\), mit \(MIT -> MeanPool\)/);
});

test("npx tsx examples/diff-variants.ts prints one diff per variant", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "examples/diff-variants.ts"], { encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.split("\n").filter((l) => l.startsWith("=== ")).length, 3);
  assert.match(
    r.stdout,
    /=== no prompt generator: params -6\.70 M, MACs -210\.86 M; removed prompts_generator, project_patches\n/,
  );
});

test.run();
