/**
 * Seeded mutators shared by the fuzz test (test/compiler/fuzz.test.ts) and the fuzz campaigns (bench/fuzz):
 * the same seed gives the same mutant on every platform, so a crash is replayed from its seed alone.
 */
import { lexer } from "../../grammar/tokens.ts";

/** mulberry32: small, seedable, the same sequence on every platform. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
export const below = (rand: () => number, n: number): number => Math.floor(rand() * n);

const INSERTS = [
  "block",
  "model",
  "forward",
  "return",
  "repeat",
  "seq",
  "use",
  "optional",
  "if",
  "else",
  "for",
  "in",
  "let",
  "param",
  "extends",
  "preset",
  "set",
  "replace",
  "remove",
  "import",
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  ",",
  ":",
  "->",
  "...",
  "=",
  "+",
  "-",
  "*",
  "/",
  "//",
  "**",
  "@",
  "0",
  "-1",
  "1e9",
  "0.5",
  "x",
  "B",
  '"s"',
  "true",
  "not",
  "and",
  "\n",
];

/** Token-level edits of .mdl text: delete, duplicate, swap, truncate, random bytes, a stray keyword or operator. */
export function mutateMdl(text: string, rand: () => number): string {
  const toks = lexer.tokenize(text).tokens.map((t) => [t.startOffset, t.startOffset + t.image.length] as const);
  const edits = 1 + below(rand, 3);
  for (let e = 0; e < edits && toks.length > 2; e++) {
    const i = below(rand, toks.length - 1);
    const [s, end] = toks[i];
    const [s2, end2] = toks[i + 1];
    switch (below(rand, 6)) {
      case 0: // delete a token
        text = text.slice(0, s) + text.slice(end);
        break;
      case 1: // duplicate a token
        text = text.slice(0, end) + " " + text.slice(s, end) + text.slice(end);
        break;
      case 2: // swap two neighbouring tokens
        text = text.slice(0, s) + text.slice(s2, end2) + text.slice(end, s2) + text.slice(s, end) + text.slice(end2);
        break;
      case 3: // truncate
        return text.slice(0, below(rand, text.length));
      case 4: // random bytes
        text =
          text.slice(0, s) +
          String.fromCharCode(...Array.from({ length: 1 + below(rand, 4) }, () => below(rand, 256))) +
          text.slice(s);
        break;
      default: // a keyword, operator or literal where it does not belong
        text = text.slice(0, s) + " " + pick(rand, INSERTS) + " " + text.slice(s);
    }
    // offsets after the edit are stale; later edits land on whatever is there, which is fine for fuzzing
  }
  return text;
}

// Values that sit on boundaries: sizes, counts and lengths a parser compares against.
const INTERESTING = [
  0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
];

/** `b` with `del` bytes at `at` replaced by `ins` (typed-array copies: the inputs can be megabytes). */
export function splice(b: Uint8Array, at: number, del: number, ins: ArrayLike<number> = []): Uint8Array {
  const end = Math.min(b.length, at + del);
  const out = new Uint8Array(b.length - (end - at) + ins.length);
  out.set(b.subarray(0, at));
  out.set(ins, at);
  out.set(b.subarray(end), at + ins.length);
  return out;
}

/**
 * Byte-level edits of `bytes[from, to)`: bit flips, boundary integers (LE and BE), inserted/deleted runs,
 * truncation, a copied span. The range aims the edits at one structure (a header, a directory, a pickle).
 */
export function mutateBytes(
  bytes: Uint8Array,
  rand: () => number,
  from = 0,
  to = bytes.length,
  edits = 1 + below(rand, 4),
): Uint8Array {
  let b: Uint8Array = Uint8Array.from(bytes);
  for (let e = 0; e < edits && b.length > 0; e++) {
    const at = Math.min(b.length - 1, from + below(rand, Math.max(1, Math.min(to, b.length) - from)));
    switch (below(rand, 7)) {
      case 0:
        b[at] ^= 1 << below(rand, 8);
        break;
      case 1:
        b[at] = below(rand, 256);
        break;
      case 2: {
        // a boundary integer, 4 bytes, either byte order
        const v = pick(rand, INTERESTING);
        const w = Buffer.alloc(4);
        if (rand() < 0.5) w.writeUInt32LE(v >>> 0);
        else w.writeUInt32BE(v >>> 0);
        b.set(w.subarray(0, Math.min(4, b.length - at)), at);
        break;
      }
      case 3:
        b = b.subarray(0, at);
        break; // truncate
      case 4:
        b = splice(b, at, 1 + below(rand, 16));
        break; // delete a run
      case 5:
        b = splice(
          b,
          at,
          0,
          Array.from({ length: 1 + below(rand, 16) }, () => below(rand, 256)),
        );
        break; // insert
      default: {
        // copy a span over another place
        const src = below(rand, b.length);
        const n = Math.min(1 + below(rand, 64), b.length - src, b.length - at);
        b.copyWithin(at, src, src + n);
      }
    }
  }
  return b;
}

const NUMBERS = ["0", "1", "2", "3", "-1", "7", "64", "1000", "65536", "1e9", "1e12", "0.5", "1e-9", "999999999999"];

/**
 * Value edits that keep the syntax: numeric literals replaced by boundary values, or one name swapped for
 * another name of the file. These reach the checker, the IR, the cost model and the diff, which token edits
 * (almost always a syntax error) rarely do.
 */
export function mutateMdlValues(text: string, rand: () => number): string {
  const toks = lexer.tokenize(text).tokens;
  const numbers = toks.filter((t) => /^[0-9]/.test(t.image));
  const names = toks.filter((t) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(t.image));
  const edits: [number, number, string][] = [];
  for (let e = 1 + below(rand, 3); e > 0; e--) {
    const useNumber = numbers.length > 0 && (names.length === 0 || rand() < 0.6);
    const t = useNumber ? pick(rand, numbers) : pick(rand, names);
    if (!t) break;
    edits.push([
      t.startOffset,
      t.startOffset + t.image.length,
      useNumber ? pick(rand, NUMBERS) : pick(rand, names).image,
    ]);
  }
  // Apply right to left so earlier offsets stay valid; a token picked twice keeps the first edit.
  edits.sort((a, b) => b[0] - a[0]);
  let last = Infinity;
  for (const [s, end, by] of edits) {
    if (end > last) continue;
    text = text.slice(0, s) + by + text.slice(end);
    last = s;
  }
  return text;
}
