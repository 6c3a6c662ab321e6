/**
 * Compare X-CLIP with its ablations through the library API (what `mdl diff` does on the command line).
 *
 *   npx tsx examples/diff-variants.ts            # prints one diff per variant
 *
 * Each variant is compiled to the IR, diffed against the base model, and summarised: which
 * hyperparameters changed, which modules were added, removed or replaced, and what that does to
 * parameters and MACs. `diffModels` reads only the IR, so the same code runs in a browser with an
 * in-memory host instead of the file host below.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compile } from "../src/compiler/compile.ts";
import type { Host } from "../src/compiler/2-resolve/host.ts";
import { renderAll } from "../src/compiler/diagnostics/render.ts";
import type { ModelIR } from "../src/compiler/0-core/schema.ts";
import { diffModels } from "../src/tools/diff/diff.ts";
import { human, printDiff } from "../src/tools/diff/print.ts";
import type { DiffJson } from "../src/tools/diff/schema.ts";

const files: Host = {
  readFile: (p) => {
    try {
      return readFileSync(p, "utf8");
    } catch {
      return undefined;
    }
  },
};

function build(file: string, model?: string, set: [string, string][] = []): ModelIR {
  const r = compile(file, files, { model, set });
  if (!r.value) throw new Error(renderAll(r.diagnostics));
  return r.value;
}

export const VARIANTS = [
  { title: "no prompt generator", file: "models/variants/xclip-no-prompts.mdl", model: "XClipNoPrompts" },
  { title: "CLIP mean-pooling baseline", file: "models/variants/clip-meanpool.mdl", model: "ClipMeanPool" },
  {
    title: "16 frames (from the command line)",
    file: "models/xclip.mdl",
    model: "XCLIP",
    set: [["frames", "16"]] as [string, string][],
  },
];

/** One line per variant: the totals and the modules that came and went. */
export function summarise(d: DiffJson): string {
  // modules removed from the model itself; those inside a replaced block are counted in its figures
  const removed = d.modules.filter((m) => m.status === "removed" && m.depth === 1).map((m) => m.path);
  const replaced = d.modules
    .filter((m) => m.replaced)
    .map((m) => `${m.path} (${m.replaced!.from} -> ${m.replaced!.by})`);
  const dp = d.total.b.params - d.total.a.params;
  const dm = d.total.b.macs - d.total.a.macs;
  return [
    `params ${dp >= 0 ? "+" : "-"}${human(Math.abs(dp))}, MACs ${dm >= 0 ? "+" : "-"}${human(Math.abs(dm))}`,
    d.hyper.length ? `set ${d.hyper.map((h) => `${h.name}=${h.b?.value}`).join(", ")}` : "",
    removed.length ? `removed ${removed.join(", ")}` : "",
    replaced.length ? `replaced ${replaced.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join("; ");
}

export function diffVariants(): { title: string; diff: DiffJson }[] {
  const base = build("models/xclip.mdl");
  return VARIANTS.map((v) => ({ title: v.title, diff: diffModels(base, build(v.file, v.model, v.set)) }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { title, diff } of diffVariants()) {
    process.stdout.write(`=== ${title}: ${summarise(diff)}\n${printDiff(diff)}\n`);
  }
}
