/**
 * Module and parameter path patterns, shared by the language (`replace visual.transformer.resblocks.11 = ...`),
 * `--replace`/`--remove`, `--recompute`, and training's `--freeze`/`--train-only`/`--lr-group` and a model's `train` section.
 *
 * Pattern : Segment ("." Segment)*
 * Segment : Name | Int | "*" | "**" | Glob      (Glob: a name with `*` in it, e.g. `prompts_*`)
 *
 * A path is dot-separated (`visual.transformer.resblocks.11.attn`); a repeat or seq element is its index.
 * `*` matches exactly one segment; `**` matches any number of segments, none included, so `visual.**`
 * matches `visual` and everything under it, and `visual.**.adapter` matches `visual.adapter` and
 * `visual.transformer.resblocks.3.adapter`; a `*` inside a segment matches any run of characters within that
 * segment (`**.message_*`). Pure: no Node API, no diagnostics (callers wrap `PatternError`
 * in the catalogue entry `bad_path_pattern`, MDL390, with their own span).
 */

export type PatternSegment =
  | { kind: "name"; name: string }
  | { kind: "star" }
  | { kind: "globstar" }
  /** A `*` inside a segment (`prompts_*`, `message_*`): any run of characters within that one segment. */
  | { kind: "glob"; re: RegExp };

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

const SEGMENT = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+|\*|\*\*|[A-Za-z0-9_*]*[A-Za-z0-9_][A-Za-z0-9_*]*)$/;

/** Parse a pattern; a malformed one gives the first bad segment and why. */
export function parsePattern(text: string): { pattern: PathPattern } | { error: PatternError } {
  const segments: PatternSegment[] = [];
  let offset = 0;
  const parts = text.split(".");
  for (let i = 0; i < parts.length; i++) {
    const s = parts[i];
    if (s === "")
      return {
        error: {
          reason: text === "" ? "the pattern is empty" : `segment ${i + 1} is empty`,
          offset,
          length: Math.max(1, s.length),
        },
      };
    if (!SEGMENT.test(s)) {
      const why = s.includes("**")
        ? "`**` must be a whole segment"
        : "a segment is a name, an index, `*`, `**` or a name with `*` in it";
      return { error: { reason: `\`${s}\` is not a path segment (${why})`, offset, length: s.length } };
    }
    if (s === "**" && segments.at(-1)?.kind === "globstar")
      return { error: { reason: "`**.**` repeats `**`", offset, length: 2 } };
    if (s.includes("**") && s !== "**")
      return {
        error: { reason: `\`${s}\` is not a path segment (\`**\` must be a whole segment)`, offset, length: s.length },
      };
    segments.push(
      s === "*"
        ? { kind: "star" }
        : s === "**"
          ? { kind: "globstar" }
          : s.includes("*")
            ? { kind: "glob", re: globRe(s) }
            : { kind: "name", name: s },
    );
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
  return matchSegments(p.segments, path === "" ? [] : path.split("."), true);
}

/** The paths of `paths` that `pattern` matches, in their order. */
export function selectPaths(pattern: string | PathPattern, paths: Iterable<string>): string[] {
  const p = typeof pattern === "string" ? mustParse(pattern) : pattern;
  return [...paths].filter((x) => matchPath(p, x));
}

/** Why a pattern is malformed, or undefined when it is well formed (for callers that report by flag). */
export function patternProblem(text: string): string | undefined {
  const r = parsePattern(text);
  return "error" in r ? r.error.reason : undefined;
}

/** Whether the pattern has a wildcard: an exact path names one thing, a wildcard may name none. */
export const isWildcard = (text: string): boolean => text.includes("*");

const globRe = (s: string): RegExp => new RegExp(`^${s.split("*").join("[A-Za-z0-9_]*")}$`);

function segmentMatches(w: PatternSegment, seg: string): boolean {
  if (w.kind === "star") return true;
  if (w.kind === "glob") return w.re.test(seg);
  return w.kind === "name" && w.name === seg;
}

/** Parse a pattern known to be well formed (checked and reported before); throws on a malformed one. */
export function mustParse(text: string): PathPattern {
  const r = parsePattern(text);
  if ("error" in r) throw new Error(`bad path pattern \`${text}\`: ${r.error.reason}`);
  return r.pattern;
}

/** Whether `want` matches the whole of `have`, or with `prefix` a non-empty prefix of it (one pass, not one per prefix). */
function matchSegments(want: readonly PatternSegment[], have: readonly string[], prefix = false): boolean {
  // memoised on (i, j) (0 unknown, 1 no, 2 yes): `**` may try every split, and a pattern with several would
  // otherwise go exponential
  const memo = new Uint8Array((want.length + 1) * (have.length + 1));
  const go = (i: number, j: number): boolean => {
    const k = i * (have.length + 1) + j;
    if (memo[k]) return memo[k] === 2;
    let r: boolean;
    if (i === want.length) r = prefix ? j >= 1 : j === have.length;
    else {
      const w = want[i];
      if (w.kind === "globstar") r = go(i + 1, j) || (j < have.length && go(i, j + 1));
      else r = j < have.length && segmentMatches(w, have[j]) && go(i + 1, j + 1);
    }
    memo[k] = r ? 2 : 1;
    return r;
  };
  return go(0, 0);
}
