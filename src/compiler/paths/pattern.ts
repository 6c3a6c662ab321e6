/**
 * Module and parameter path patterns, shared by the language (`replace visual.transformer.resblocks.11 = ...`),
 * `--replace`/`--remove`, `--recompute`, and training's `--freeze`/`--train-only`.
 *
 * Pattern : Segment ("." Segment)*
 * Segment : Name | Int | "*" | "**"
 *
 * A path is dot-separated (`visual.transformer.resblocks.11.attn`); a repeat or seq element is its index.
 * `*` matches exactly one segment; `**` matches any number of segments, none included, so `visual.**`
 * matches `visual` and everything under it, and `visual.**.adapter` matches `visual.adapter` and
 * `visual.transformer.resblocks.3.adapter`. Pure: no Node API, no diagnostics (callers wrap `PatternError`
 * in the catalogue entry `bad_path_pattern`, MDL390, with their own span).
 */

export type PatternSegment = { kind: "name"; name: string } | { kind: "star" } | { kind: "globstar" };

export interface PathPattern {
  text: string;
  segments: PatternSegment[];
  /** True when the pattern has a `*` or `**`, i.e. may match more than one path. */
  wild: boolean;
}

export interface PatternError {
  /** Why, as a clause: "segment 2 is empty". */
  reason: string;
  /** Character offset of the bad segment in the pattern text. */
  offset: number;
  length: number;
}

const SEGMENT = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+|\*|\*\*)$/;

/** Parse a pattern; a malformed one gives the first bad segment and why. */
export function parsePattern(text: string): { pattern: PathPattern } | { error: PatternError } {
  const segments: PatternSegment[] = [];
  let offset = 0;
  const parts = text.split(".");
  for (let i = 0; i < parts.length; i++) {
    const s = parts[i];
    if (s === "") return { error: { reason: text === "" ? "the pattern is empty" : `segment ${i + 1} is empty`, offset, length: Math.max(1, s.length) } };
    if (!SEGMENT.test(s)) {
      const why = s.includes("*") ? "`*` and `**` must be whole segments" : "a segment is a name, an index, `*` or `**`";
      return { error: { reason: `\`${s}\` is not a path segment (${why})`, offset, length: s.length } };
    }
    if (s === "**" && segments.at(-1)?.kind === "globstar") return { error: { reason: "`**.**` repeats `**`", offset, length: 2 } };
    segments.push(s === "*" ? { kind: "star" } : s === "**" ? { kind: "globstar" } : { kind: "name", name: s });
    offset += s.length + 1;
  }
  return { pattern: { text, segments, wild: segments.some((g) => g.kind !== "name") } };
}

/** True when `pattern` matches the whole of `path`. Throws on a malformed pattern string (parse it first to report). */
export function matchPath(pattern: string | PathPattern, path: string): boolean {
  const p = typeof pattern === "string" ? mustParse(pattern) : pattern;
  return matchSegments(p.segments, path === "" ? [] : path.split("."));
}

/**
 * True when `pattern` matches `path` or one of its ancestors: `visual.transformer.resblocks.*.attn` selects the
 * parameter `visual.transformer.resblocks.3.attn.in_proj_weight`, as freezing a module freezes what it holds.
 */
export function matchPathOrAncestor(pattern: string | PathPattern, path: string): boolean {
  const p = typeof pattern === "string" ? mustParse(pattern) : pattern;
  const have = path === "" ? [] : path.split(".");
  for (let n = have.length; n >= 1; n--) if (matchSegments(p.segments, have.slice(0, n))) return true;
  return false;
}

/** The paths of `paths` that `pattern` matches, in their order. */
export function selectPaths(pattern: string | PathPattern, paths: Iterable<string>): string[] {
  const p = typeof pattern === "string" ? mustParse(pattern) : pattern;
  return [...paths].filter((x) => matchPath(p, x));
}

function mustParse(text: string): PathPattern {
  const r = parsePattern(text);
  if ("error" in r) throw new Error(`bad path pattern \`${text}\`: ${r.error.reason}`);
  return r.pattern;
}

function matchSegments(want: readonly PatternSegment[], have: readonly string[]): boolean {
  // memoised on (i, j): `**` may try every split, and a pattern with several would otherwise go exponential
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const k = i * (have.length + 1) + j;
    const hit = memo.get(k);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === want.length) r = j === have.length;
    else {
      const w = want[i];
      if (w.kind === "globstar") r = go(i + 1, j) || (j < have.length && go(i, j + 1));
      else r = j < have.length && (w.kind === "star" || w.name === have[j]) && go(i + 1, j + 1);
    }
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}
