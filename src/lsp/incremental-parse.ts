/**
 * Parsing per top-level declaration, for an editor that re-parses a file on every keystroke: an edit
 * touches one block or model, so only that declaration's text is parsed again; the others come from a
 * cache keyed by their text (moved to their new offsets when an edit above them changed the length).
 * Parsing was ~40% of an edit's cost on models/xclip.mdl.
 *
 * The result must be exactly what `parseSource` gives for the whole text, so anything unusual falls
 * back to the whole-file parse: a lexing or parsing error anywhere (the parser's error recovery and
 * "first error per line" rule see the whole file), unbalanced brackets, an import after a declaration,
 * or fewer than two declarations. test/lsp/incremental-parse.test.ts compares both on every model.
 */
import { lexer } from "../../grammar/tokens.ts";
import { declarationStarts, parseSource, type Parsed } from "../compiler/1-syntax/parse.ts";
import type * as A from "../compiler/1-syntax/ast.ts";
import { DEFAULT_LIMITS } from "../compiler/limits.ts";

interface Chunk {
  start: number;
  text: string;
}

/** Where each top-level item (import, block, model) starts; undefined when the brackets do not balance. */
function split(text: string): { chunks: Chunk[]; lexed: ReturnType<typeof lexer.tokenize> } | undefined {
  const lexed = lexer.tokenize(text);
  if (lexed.errors.length) return undefined;
  const found = declarationStarts(lexed.tokens);
  const starts = found.starts.map((i) => lexed.tokens[i].startOffset);
  if (!found.balanced || starts.length < 2 || lexed.tokens[0]?.startOffset !== starts[0]) return undefined;
  const chunks = starts.map((start, i) => ({ start, text: text.slice(start, starts[i + 1] ?? text.length) }));
  return { chunks, lexed };
}

/** A deep copy of an AST fragment with every span moved by `delta` (spans are plain offsets). */
function shifted<T>(node: T, delta: number): T {
  if (delta === 0 || node === null || typeof node !== "object") return node;
  if (Array.isArray(node)) return node.map((x) => shifted(x, delta)) as T;
  const o = node as Record<string, unknown>;
  if (
    typeof o.file === "string" &&
    typeof o.start === "number" &&
    typeof o.end === "number" &&
    Object.keys(o).length === 3
  )
    return { file: o.file, start: o.start + delta, end: o.end + delta } as T;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) out[k] = shifted(o[k], delta);
  return out as T;
}

interface Cached {
  at: number;
  ast: A.FileAst;
}

/** One per server: the declarations of the last parse of each file, by their text. */
export class IncrementalParser {
  private readonly byFile = new Map<string, Map<string, Cached>>();
  /** How many declarations the last call parsed (the rest came from the cache): for tests and benches. */
  lastParsed = 0;

  parse(file: string, text: string): Parsed {
    // past the source size limit the whole-file parse refuses it (MDL111) without lexing, as `mdl check` does
    const cut = text.length > DEFAULT_LIMITS.sourceBytes ? undefined : split(text);
    this.lastParsed = 0;
    if (!cut) return this.whole(file, text);
    const old = this.byFile.get(file) ?? new Map<string, Cached>();
    const next = new Map<string, Cached>();
    const imports: A.ImportDecl[] = [];
    const decls: (A.BlockDecl | A.ModelDecl)[] = [];
    for (const c of cut.chunks) {
      let hit = next.get(c.text) ?? old.get(c.text);
      if (!hit) {
        const p = parseSource(file, c.text);
        this.lastParsed++;
        if (p.diagnostics.length) return this.whole(file, text);
        hit = { at: 0, ast: p.value };
      }
      // an identical chunk twice (a duplicate definition) gets its own copy at its own offset
      const ast = hit.at === c.start ? hit.ast : shifted(hit.ast, c.start - hit.at);
      next.set(c.text, { at: c.start, ast });
      if (ast.imports.length && decls.length) return this.whole(file, text); // the grammar's order, not ours
      imports.push(...ast.imports);
      decls.push(...ast.decls);
    }
    this.byFile.set(file, next);
    const tokens = cut.lexed.tokens;
    const last = tokens[tokens.length - 1];
    const span = { file, start: tokens[0].startOffset, end: (last.endOffset ?? last.startOffset) + 1 };
    const comments = (cut.lexed.groups.comments ?? []).map((t) => ({
      text: t.image,
      start: t.startOffset,
      end: t.startOffset + t.image.length,
    }));
    return { value: { kind: "File", imports, decls, span }, diagnostics: [], comments };
  }

  /** Drop a closed document's declarations. */
  forget(file: string): void {
    this.byFile.delete(file);
  }

  private whole(file: string, text: string): Parsed {
    this.byFile.delete(file);
    this.lastParsed = -1;
    return parseSource(file, text);
  }
}
