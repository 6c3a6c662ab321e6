/** A block's signature and doc comment (the `#` lines right above its declaration), for hover. */
import { memberKey } from "../compiler/2-resolve/derive.ts";
import type { Definition, Program } from "../compiler/2-resolve/program.ts";
import { viewOf } from "./inherited.ts";

export function docComment(program: Program, def: Definition): string | undefined {
  const file = program.files.get(def.file);
  if (!file) return undefined;
  const lines: string[] = [];
  let end = def.decl.span.start;
  // walk back over comments separated from the declaration (and each other) only by one line break
  for (const c of [...file.comments].filter((c) => c.end <= end).sort((a, b) => b.start - a.start)) {
    if (!/^[ \t]*\r?\n?[ \t]*$/.test(file.text.slice(c.end, end))) break;
    lines.unshift(c.text.replace(/^#\s?/, ""));
    end = c.start;
  }
  return lines.length ? lines.join("\n") : undefined;
}

/**
 * A block's signature and doc comment. A derived block's signature has every hyperparameter it takes
 * (inherited ones first, as the compiler orders them), followed by what it inherits from each base.
 */
export function blockHover(program: Program, def: Definition): string {
  const view = viewOf(program, def);
  const params = view.params.map(({ param: p }) => `${p.name.name}: ${p.type.name}`).join(", ");
  const base = def.decl.base ? ` extends ${def.decl.base.name}` : "";
  const head = "```mdl\n" + `${def.decl.kind === "Block" ? "block" : "model"} ${def.name}(${params})${base}` + "\n```";
  const doc = docComment(program, def);
  const parts = [head, ...(doc ? [doc] : [])];
  for (const link of view.chain.filter((l) => l.decl !== def.decl)) {
    const params = view.params
      .filter((p) => p.from.decl === link.decl)
      .map(({ param: p }) => `\`${p.name.name}: ${p.type.name}\``);
    const members = view.members.filter((m) => m.from.decl === link.decl).map((m) => `\`${memberKey(m.member)}\``);
    const what = [
      params.length ? `hyperparameters ${params.join(", ")}` : "",
      members.length ? `members ${members.join(", ")}` : "",
    ].filter(Boolean);
    if (what.length) parts.push(`Inherited from \`${link.name}\`: ${what.join("; ")}.`);
  }
  const inherited = new Set(
    view.chain.filter((l) => l.decl !== def.decl).flatMap((l) => l.decl.members.map(memberKey)),
  );
  const overrides = def.decl.members.map(memberKey).filter((k) => inherited.has(k));
  if (overrides.length) parts.push(`Overrides ${overrides.map((k) => `\`${k}\``).join(", ")}.`);
  // a variant model's edits of what it inherits
  const edits = def.decl.kind === "Model" ? def.decl.edits : [];
  for (const [kind, word] of [
    ["Replace", "Replaces"],
    ["Remove", "Removes"],
  ] as const) {
    const paths = edits.flatMap((e) => (e.kind === kind ? [`\`${e.path.map((p) => p.name).join(".")}\``] : []));
    if (paths.length) parts.push(`${word} ${paths.join(", ")}.`);
  }
  return parts.join("\n\n");
}
