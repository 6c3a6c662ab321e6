/**
 * Path patterns over dotted module and parameter paths (`visual.**`, `visual.transformer.resblocks.*.attn`,
 * `**.message_*`), as --freeze, --train-only, --lr-group and a model's `train` section take them.
 * Segments split on `.`; `*` alone is exactly one segment, `**` zero or more; a `*` inside a segment matches
 * any run of characters within it (`prompts_*`). Indices of a stack are ordinary segments (`resblocks.11`).
 * Pure: the compiler and the runtime share it.
 */

/** Why a pattern is malformed, or undefined when it is well formed. */
export function patternProblem(pattern: string): string | undefined {
  if (!pattern) return "it is empty";
  const segs = pattern.split(".");
  if (segs.some((s) => s === "")) return "it has an empty segment (two dots in a row, or a dot at an end)";
  const bad = segs.find((s) => !/^[A-Za-z0-9_*]+$/.test(s));
  if (bad) return `segment \`${bad}\` may hold only letters, digits, \`_\` and \`*\``;
  const mixed = segs.find((s) => s.includes("**") && s !== "**");
  if (mixed) return `\`**\` must be a whole segment, got \`${mixed}\``;
  return undefined;
}

/** Whether the pattern has a wildcard (an exact path names one thing; a wildcard may name none). */
export const isWildcard = (pattern: string): boolean => pattern.includes("*");

const segmentMatches = (pat: string, seg: string): boolean => {
  if (pat === "*") return true;
  if (!pat.includes("*")) return pat === seg;
  const re = new RegExp(`^${pat.split("*").map((p) => p.replace(/[^A-Za-z0-9_]/g, "\\$&")).join("[^.]*")}$`);
  return re.test(seg);
};

/** Whether the whole path matches the pattern (the empty path is zero segments). */
export function matchPath(pattern: string, path: string): boolean {
  const pat = pattern.split(".");
  const segs = path === "" ? [] : path.split(".");
  // memo over (pattern index, path index): `**` may try every split
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (segs.length + 1) + j;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === pat.length) r = j === segs.length;
    else if (pat[i] === "**") r = go(i + 1, j) || (j < segs.length && go(i, j + 1));
    else r = j < segs.length && segmentMatches(pat[i], segs[j]) && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

/** Whether the pattern matches the path or one of its ancestors (`visual` selects `visual.conv1.weight`). */
export function matchesWithin(pattern: string, path: string): boolean {
  const segs = path === "" ? [] : path.split(".");
  for (let n = segs.length; n >= 0; n--) if (matchPath(pattern, segs.slice(0, n).join("."))) return true;
  return false;
}
