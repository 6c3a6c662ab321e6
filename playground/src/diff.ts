/** The diff panel: `mdl diff A B` between two models of the page's files (edits included). */
import { hasErrors } from "../../src/compiler/diagnostics/diagnostic.ts";
import { renderAll } from "../../src/compiler/diagnostics/render.ts";
import { diffModels } from "../../src/tools/diff/diff.ts";
import { printDiff } from "../../src/tools/diff/print.ts";
import { compileFile, sourceLookup } from "./workspace.ts";

function compileEntry(entry: string) {
  const [file, model] = entry.split("#");
  const c = compileFile(file, { model });
  return c.value && !hasErrors(c.diagnostics) ? { ir: c.value } : { error: renderAll(c.diagnostics, sourceLookup(c)) };
}

export function diffText(a: string, b: string): string {
  const x = compileEntry(a);
  const y = compileEntry(b);
  if (!x.ir || !y.ir) return [x.error, y.error].filter(Boolean).join("\n");
  return printDiff(diffModels(x.ir, y.ir));
}
