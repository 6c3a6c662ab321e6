/**
 * The page's files: the repo's models and variants in memory (edits replace a file's text), read by the
 * compiler through its Host interface, exactly as the CLI reads them from disk. std is built into the compiler.
 */
import { MODELS } from "virtual:models";
import { compile, modelsOf, resolveProgram, type CompileOptions, type Compiled } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import type { ModelDecl } from "../../src/compiler/1-syntax/ast.ts";
import { SourceFile } from "../../src/compiler/source.ts";

export const files: Record<string, string> = { ...MODELS };
const host = memoryHost(files);

export const fileNames = (): string[] => Object.keys(files);

export function compileFile(entry: string, opts: CompileOptions = {}): Compiled {
  return compile(entry, host, { ...opts, text: files[entry] });
}

/** `file#Model` for every model of every file, as `mdl diff` names them. */
export function modelEntries(): string[] {
  const out: string[] = [];
  for (const f of fileNames()) {
    // names only: parsing and resolving is enough, checking every file would slow the page's start
    const r = resolveProgram(f, host, files[f]);
    for (const d of modelsOf(r.value)) out.push(`${f}#${d.name}`);
  }
  return out;
}

/** Presets of the file's first model, following `extends` to the models it builds on. */
export function presetsOf(c: Compiled): string[] {
  const byName = new Map<string, ModelDecl>();
  for (const f of c.program.files.values())
    for (const d of f.ast.decls) if (d.kind === "Model") byName.set(d.name.name, d);
  const names: string[] = [];
  let m: ModelDecl | undefined = modelsOf(c.program)[0]?.decl as ModelDecl | undefined;
  for (let hops = 0; m && hops < 16; hops++) {
    for (const p of m.presets) if (!names.includes(p.name)) names.push(p.name);
    m = m.base ? byName.get(m.base.name) : undefined;
  }
  return names;
}

/** Source lookup for rendering diagnostics with their excerpts. */
export function sourceLookup(c: Compiled): (file: string) => SourceFile | undefined {
  return (name) => {
    const f = c.program.files.get(name);
    const text = f?.text ?? c.extraSources.get(name);
    return text === undefined ? undefined : new SourceFile(name, text);
  };
}
