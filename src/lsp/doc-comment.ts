/** A block's signature and doc comment (the `#` lines right above its declaration), for hover. */
import type { Definition, Program } from "../compiler/2-resolve/program.ts";

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

export function blockHover(program: Program, def: Definition): string {
  const params = def.decl.params.map((p) => `${p.name.name}: ${p.type.name}`).join(", ");
  const head = "```mdl\n" + `${def.decl.kind === "Block" ? "block" : "model"} ${def.name}(${params})` + "\n```";
  const doc = docComment(program, def);
  return doc ? `${head}\n\n${doc}` : head;
}
