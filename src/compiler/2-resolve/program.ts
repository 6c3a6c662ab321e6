/** Phase 2a: load the entry file and everything it imports (relative paths and `std`), detect cycles. */
import type { BlockDecl, FileAst, ModelDecl } from "../1-syntax/ast.ts";
import { parseSource } from "../1-syntax/parse.ts";
import { diag, withHint, withNote, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { DEFAULT_LIMITS, IMPORT_DEPTH_LIMIT } from "../limits.ts";
import { STD_SOURCE } from "../std/std-source.ts";
import { dirname, joinPath, normalize, type Host } from "./host.ts";
import { didYouMean } from "./suggest.ts";

export const STD_FILE = "std";
/** The pseudo-file of --set/--replace/--remove snippets; its names: commandLineScope. */
export const COMMAND_LINE = "<command line>";

export interface LoadedFile {
  name: string;
  text: string;
  ast: FileAst;
  comments: { text: string; start: number; end: number }[];
}

export interface Definition {
  name: string;
  decl: BlockDecl | ModelDecl;
  file: string;
}

export interface Program {
  entry: string;
  files: Map<string, LoadedFile>;
  /** Per file: every block and model visible in it (its own and those it imports). */
  scopes: Map<string, Map<string, Definition>>;
}

/**
 * The last parse of each file, by name, reused while its text is unchanged (later phases only read the
 * AST): std is the same in every compile of a process, and an editor recompiles on every keystroke a
 * file whose imports did not change.
 */
const lastParse = new Map<string, { text: string; maxBytes: number; parsed: ReturnType<typeof parseSource> }>();

function parseCached(name: string, text: string, maxBytes: number): ReturnType<typeof parseSource> {
  const hit = lastParse.get(name);
  if (hit?.text === text && hit.maxBytes === maxBytes) return hit.parsed;
  const parsed = parseSource(name, text, maxBytes);
  lastParse.set(name, { text, maxBytes, parsed });
  return parsed;
}

/** `maxBytes`: the source size limit of each file (--max-source-bytes). */
export function resolveImports(
  entry: string,
  host: Host,
  entryText?: string,
  maxBytes = DEFAULT_LIMITS.sourceBytes,
): { value: Program; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const files = new Map<string, LoadedFile>();
  const scopes = new Map<string, Map<string, Definition>>();
  const start = normalize(entry);

  const load = (name: string, text: string): LoadedFile => {
    const parsed = host.parse?.(name, text) ?? parseCached(name, text, maxBytes);
    // not push(...): a file of 200,000 bad characters has as many diagnostics, past the arguments the stack holds
    for (const d of parsed.diagnostics) diagnostics.push(d);
    const f = { name, text, ast: parsed.value, comments: parsed.comments };
    files.set(name, f);
    return f;
  };

  const visit = (file: LoadedFile, stack: string[]): void => {
    const scope = new Map<string, Definition>();
    scopes.set(file.name, scope);
    for (const d of file.ast.decls) {
      const prev = scope.get(d.name.name);
      if (prev) {
        diagnostics.push(
          withNote(
            diag("duplicate_definition", d.name.span, d.kind === "Block" ? "block" : "model", d.name.name),
            "first defined here",
            prev.decl.name.span,
          ),
        );
        continue;
      }
      scope.set(d.name.name, { name: d.name.name, decl: d, file: file.name });
    }
    for (const imp of file.ast.imports) {
      const target = imp.from === STD_FILE ? STD_FILE : joinPath(dirname(file.name), imp.from);
      if (stack.length >= IMPORT_DEPTH_LIMIT) {
        diagnostics.push(diag("import_too_deep", imp.fromSpan, IMPORT_DEPTH_LIMIT));
        continue;
      }
      if (stack.includes(target)) {
        diagnostics.push(diag("import_cycle", imp.fromSpan, [...stack.slice(stack.indexOf(target)), target]));
        continue;
      }
      let dep = files.get(target);
      if (!dep) {
        const text = target === STD_FILE ? STD_SOURCE : host.readFile(target);
        if (text === undefined) {
          diagnostics.push(diag("import_not_found", imp.fromSpan, imp.from));
          continue;
        }
        dep = load(target, text);
        visit(dep, [...stack, target]);
      }
      const depScope = scopes.get(target);
      if (!depScope) continue; // still being visited higher up the stack: reported as a cycle there
      const own = new Map([...depScope].filter(([, d]) => d.file === target));
      for (const n of imp.names) {
        const def = own.get(n.name);
        if (!def) {
          diagnostics.push(withHint(diag("unknown_import", n.span, n.name, imp.from), didYouMean(n.name, own.keys())));
          continue;
        }
        if (scope.has(n.name) && scope.get(n.name)!.decl !== def.decl) {
          diagnostics.push(diag("duplicate_definition", n.span, "name", n.name));
          continue;
        }
        scope.set(n.name, def);
      }
    }
  };

  const text = entryText ?? host.readFile(start);
  if (text === undefined) {
    diagnostics.push(diag("import_not_found", undefined, entry));
    const empty: LoadedFile = {
      name: start,
      text: "",
      ast: { kind: "File", imports: [], decls: [], span: { file: start, start: 0, end: 0 } },
      comments: [],
    };
    files.set(start, empty);
    scopes.set(start, new Map());
  } else visit(load(start, text), [start]);
  if (!files.has(STD_FILE)) visit(load(STD_FILE, STD_SOURCE), [STD_FILE]);
  scopes.set(COMMAND_LINE, commandLineScope(files, scopes, start));
  return { value: { entry: start, files, scopes }, diagnostics };
}

/**
 * What `--replace` can name: every block of std, of each file the entry imports (directly or not, whether
 * the entry imports that name or not), and the entry's own scope; later wins (the entry over the files it
 * imports, a file over std), so a name means on the command line what it means in the entry file.
 */
function commandLineScope(
  files: Map<string, LoadedFile>,
  scopes: Map<string, Map<string, Definition>>,
  entry: string,
): Map<string, Definition> {
  const out = new Map(scopes.get(STD_FILE)!);
  for (const name of files.keys()) {
    if (name === STD_FILE || name === entry) continue;
    for (const [n, d] of scopes.get(name) ?? []) if (d.file === name) out.set(n, d);
  }
  for (const [n, d] of scopes.get(entry) ?? []) out.set(n, d);
  return out;
}
