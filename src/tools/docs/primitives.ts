/**
 * docs/primitives.md, generated from the op table and std.mdl (scripts/gen-primitives.ts writes it;
 * test/ir/primitives-doc.test.ts fails when the file is stale).
 */
import { describeOps } from "../../compiler/ops/describe.ts";
import { stdReference } from "./std-blocks.ts";

const count = (n: number) => n.toLocaleString("en-US");

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
    lines.push(`- MACs: ${s.macs}`);
    if (s.traits) lines.push(`- traits: ${s.traits}`);
    if (s.decomposes)
      lines.push(
        "- decomposition: the same computation in other ops of the table; an engine without a kernel of its own lowers through it",
      );
    lines.push("");
  }
  lines.push(
    "# std blocks",
    "",
    'Blocks of `std.mdl`, written in mdl over the ops above (`import { Linear } from "std"`). The shape rule of a',
    "block is its forward signature; its cost is the sum of its ops' (above). Each block's example instance is",
    "compiled and costed by the compiler, as `mdl summary` would report it (batch 1).",
    "",
  );
  for (const b of stdReference()) {
    lines.push(`## \`${b.name}(${b.hyper})\``, "");
    if (b.doc) lines.push(b.doc, "");
    lines.push(`- forward: \`forward${b.forward}\``);
    for (const p of b.params) lines.push(`- param \`${p}\``);
    for (const m of b.members) lines.push(`- member \`${m}\``);
    lines.push(`- parameter count: \`${b.count}\``);
    const ex = b.example;
    lines.push(
      `- example: \`${ex.call}\` on \`${ex.input}\`: ${count(ex.params)} parameters, ${count(ex.macs)} MACs`,
      "",
    );
  }
  return lines.join("\n").replace(/\n+$/, "") + "\n";
}
