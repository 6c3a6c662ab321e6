/**
 * docs/primitives.md, generated from the op table and std.mdl (scripts/gen-primitives.ts writes it;
 * test/ir/primitives-doc.test.ts fails when the file is stale).
 */
import { describeOps } from "../../compiler/ops/describe.ts";
import { STD_SOURCE } from "../../compiler/std/std-source.ts";

/** Each std block's header (parameters and forward signature) with the comment above it. */
export function stdBlocks(source = STD_SOURCE): { name: string; params: string; forward: string; doc: string }[] {
  const out: { name: string; params: string; forward: string; doc: string }[] = [];
  const squash = (s: string) => s.replace(/\s+/g, " ").replace(/\( /g, "(").replace(/,? \)/g, ")").replace(/\[ /g, "[").replace(/,? \]/g, "]").trim();
  for (const m of source.matchAll(/^((?:#[^\n]*\n)*)block\s+(\w+)\(([^)]*)\)\s*\{/gm)) {
    const rest = source.slice(m.index! + m[0].length);
    const fwd = /^\s*forward\(([\s\S]*?)\{\s*$/m.exec(rest);
    out.push({
      name: m[2],
      params: squash(m[3]).replace(/,$/, ""),
      forward: fwd ? squash(`(${fwd[1]}`) : "",
      doc: m[1].split("\n").map((l) => l.replace(/^#\s?/, "")).filter(Boolean).join(" "),
    });
  }
  return out;
}

export function primitivesDoc(): string {
  const lines = [
    "# Primitive ops",
    "",
    "Generated from the op table (`src/compiler/ops/`) and `src/compiler/std/std.mdl` by `npm run gen`; do not edit.",
    "Every IR node is one of these ops. Shapes are symbolic (polynomials over the batch symbols); MACs are",
    "multiply-accumulates for one evaluation with every batch symbol 1, the X-CLIP README's convention.",
    "",
  ];
  for (const s of describeOps()) {
    lines.push(`## \`${s.op}\``, "");
    lines.push(s.semantics, "");
    lines.push(`- operands: ${s.operands ? `\`${s.operands}\`` : "none"}`);
    for (const sig of s.signatures) lines.push(`- written: \`${sig}\``);
    lines.push(`- attributes: \`${s.attrs}\``);
    lines.push(`- shape: ${s.shape}`);
    lines.push(`- MACs: ${s.macs}`, "");
  }
  lines.push("# std blocks", "", "Blocks of `std.mdl`, written in mdl over the ops above (`import { Linear } from \"std\"`).", "");
  for (const b of stdBlocks()) {
    lines.push(`- \`${b.name}(${b.params})\`: \`forward${b.forward}\`${b.doc ? ` — ${b.doc}` : ""}`);
  }
  return lines.join("\n") + "\n";
}
