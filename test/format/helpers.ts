/** Shared by the formatter tests: the repo's .mdl files, AST comparison, and a whitespace mangler. */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lexer } from "../../grammar/tokens.ts";
import { parseSource } from "../../src/compiler/1-syntax/parse.ts";

function walk(dir: string, keep: (path: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name), keep) : keep(join(dir, e.name)) ? [join(dir, e.name)] : [],
    );
}

/** The files the repo keeps formatted: models, variants and std. */
export const formattedFiles = [...walk("models", (p) => p.endsWith(".mdl")), "src/compiler/std/std.mdl"];

/** Every sample input of every phase's golden tests that parses without errors (the error samples are for the parser). */
export const sampleFiles = walk("test", (p) => /\/samples\/.*\/input\.mdl$/.test(p)).filter(
  (p) => parseSource(p, readFileSync(p, "utf8")).diagnostics.length === 0,
);

export const read = (path: string) => readFileSync(path, "utf8");

/** The AST as JSON without offsets, so that two layouts of the same program compare equal. */
export function astOf(file: string, text: string): string {
  const parsed = parseSource(file, text);
  if (parsed.diagnostics.length) throw new Error(`${file}: ${parsed.diagnostics.map((d) => d.message).join("; ")}`);
  return JSON.stringify(parsed.value, (key, value) =>
    /^(span|keySpan|fromSpan|nameSpan)$/.test(key) ? undefined : value,
  );
}

export const commentsOf = (text: string) => parseSource("<text>", text).comments.map((c) => c.text.trimEnd());

export const scratch = (name: string) => mkdtempSync(join(tmpdir(), `mdl-format-${name}-`));

/** mulberry32: a small seeded generator, so a failing mangle can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const images = (text: string) => {
  const lexed = lexer.tokenize(text);
  return [...lexed.tokens, ...(lexed.groups.comments ?? [])]
    .sort((a, b) => a.startOffset - b.startOffset)
    .map((t) => t.image.trimEnd());
};

/**
 * The same tokens and comments with other whitespace: spaces dropped where two tokens stay apart,
 * extra spaces, tabs and line breaks inserted, indentation gone. What it keeps is what the layout
 * means: a comment stays on the line of the token before it (or on its own line), and a blank line
 * stays a blank line (as two to three of them) and none appears elsewhere.
 */
export function mangle(text: string, seed: number): string {
  const rand = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const spaces = () => pick(["", " ", "   ", "\t", " \t "]);
  const lexed = lexer.tokenize(text);
  const pieces = [
    ...lexed.tokens.map((t) => ({ t, comment: false })),
    ...(lexed.groups.comments ?? []).map((t) => ({ t, comment: true })),
  ].sort((a, b) => a.t.startOffset - b.t.startOffset);
  let out = spaces();
  pieces.forEach((p, i) => {
    const prev = pieces[i - 1];
    if (prev) {
      const gap = text.slice(prev.t.startOffset + prev.t.image.length, p.t.startOffset);
      const breaks = gap.split("\n").length - 1;
      let sep: string;
      if (breaks >= 2) sep = pick(["\n\n", "\n  \n\n"]) + spaces();
      else if (prev.comment || p.comment) sep = breaks === 1 ? spaces() + "\n" + spaces() : spaces();
      else sep = pick(["", "", " ", "  ", "\n", "\n      ", " \n", "\t"]);
      if (sep === "" && images(prev.t.image + p.t.image).length !== 2) sep = " ";
      out += sep;
    }
    out += p.t.image;
  });
  out += pick(["", "\n", "\n\n \n"]);
  // trailing blanks inside a comment are the one change allowed: the formatter trims them
  if (images(out).join("\u0000") !== images(text).join("\u0000")) throw new Error(`mangle(${seed}) changed the tokens`);
  return out;
}

/** `text` with comments `# c0`, `# c1`... before about one token in seven, some at a line's end, some on their own line. */
export function sprinkleComments(text: string, seed: number): string {
  const rand = random(seed);
  let out = "";
  let last = 0;
  let n = 0;
  for (const t of lexer.tokenize(text).tokens) {
    out += text.slice(last, t.startOffset);
    if (rand() < 0.15) out += rand() < 0.5 ? ` # c${n++}\n` : `\n# c${n++}\n`;
    out += t.image;
    last = t.startOffset + t.image.length;
  }
  return out + text.slice(last);
}
