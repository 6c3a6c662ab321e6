/** Which declared parameters a checkpoint provides, which it lacks, and which it has in excess. */
import { MdlError, diag, withNote } from "../../compiler/diagnostics/diagnostic.ts";
import { matchPathOrAncestor } from "../../compiler/paths/pattern.ts";
import { formatShape } from "./tensor.ts";

export interface Coverage {
  loaded: string[];
  missing: string[];
  unexpected: string[];
  mismatched: { name: string; declared: number[]; found: number[] }[];
  /** Every declared parameter, in the model's order (what `missing` is grouped against). */
  declared: string[];
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

export function coverage(
  expected: { path: string; shape: number[] }[],
  found: Map<string, { shape: number[] }>,
): Coverage {
  const c: Coverage = {
    loaded: [],
    missing: [],
    unexpected: [],
    mismatched: [],
    declared: expected.map((e) => e.path),
  };
  const declared = new Set<string>();
  for (const { path, shape } of expected) {
    declared.add(path);
    const t = found.get(path);
    if (!t) c.missing.push(path);
    else if (!sameShape(shape, t.shape)) c.mismatched.push({ name: path, declared: shape, found: t.shape });
    else c.loaded.push(path);
  }
  for (const name of found.keys()) if (!declared.has(name)) c.unexpected.push(name);
  return c;
}

/**
 * The three counts of torch's `load_state_dict(strict=False)` report: parameters taken from the checkpoint,
 * parameters that keep their declared init (missing, or of another shape), and checkpoint tensors not used
 * (not parameters of the model, or of another shape). loaded + initialised is the model's parameters,
 * loaded + ignored the checkpoint's tensors.
 */
export function coverageCounts(c: Coverage): { loaded: number; initialised: number; ignored: number } {
  return {
    loaded: c.loaded.length,
    initialised: c.missing.length + c.mismatched.length,
    ignored: c.unexpected.length + c.mismatched.length,
  };
}

export interface KeyGroup {
  /** A path pattern (`*` one segment, `name_*` a name prefix) that selects exactly `keys` among all the keys. */
  pattern: string;
  keys: string[];
}

/**
 * `chosen` (a subset of `all`) as few path patterns as a reader takes in at a glance, each selecting only
 * chosen keys: the outermost module whose keys are all chosen; repeat indices as `*` where every element
 * agrees; siblings named `stem_a`, `stem_b` as `stem_*`. The same patterns select the same keys in
 * `--freeze`, `--train-only` and `--lr-group`. Groups come in the order of their first key in `all`.
 */
export function groupKeys(all: readonly string[], chosen: ReadonlySet<string>): KeyGroup[] {
  const memo = new Map<string, string[] | undefined>();
  // the keys a pattern selects, when they are all chosen
  const exact = (pattern: string) => {
    if (!memo.has(pattern)) {
      const hit = all.filter((k) => matchPathOrAncestor(pattern, k));
      memo.set(pattern, hit.length && hit.every((k) => chosen.has(k)) ? hit : undefined);
    }
    return memo.get(pattern);
  };
  const units: string[] = [];
  for (const key of all) {
    if (!chosen.has(key) || units.some((u) => exact(u)!.includes(key))) continue;
    const segs = key.split(".");
    let unit = key;
    for (let i = 1; i <= segs.length; i++) {
      if (exact(segs.slice(0, i).join("."))) {
        unit = segs.slice(0, i).join(".");
        break;
      }
    }
    const indices = unit
      .split(".")
      .map((s) => (/^\d+$/.test(s) ? "*" : s))
      .join(".");
    units.push(indices !== unit && exact(indices) ? indices : unit);
  }
  // `a.b.stem_x` -> `a.b.stem_*`: the name up to its last `_`, so `prompts_visual_ln` and `prompts_visual_proj`
  // merge while `prompts_generator` stays apart
  const stemmed = (unit: string) => {
    const stem = unit.match(/^(.*[^.]_)[^._]+$/)?.[1];
    return stem && `${stem}*`;
  };
  const groups = units.map((unit) => {
    const merged = stemmed(unit);
    return merged && units.filter((u) => stemmed(u) === merged).length > 1 && exact(merged) ? merged : unit;
  });
  return [...new Set(groups)].map((pattern) => ({ pattern, keys: exact(pattern)! }));
}

/**
 * One report, as the official X-CLIP log prints torch's: loaded N of the model's parameters, initialised M
 * (grouped by module), ignored K (by name). A checkpoint that fills the model exactly gives one line.
 */
export function formatCoverage(c: Coverage): string {
  const { loaded, initialised, ignored } = coverageCounts(c);
  const head = `loaded ${loaded} of ${loaded + initialised} parameters`;
  if (!initialised && !ignored) return head;
  const lines = [`${head}, initialised ${initialised}, ignored ${ignored}`];
  if (c.mismatched.length) {
    lines.push(`shape mismatches, initialised and the checkpoint's tensor ignored (${c.mismatched.length}):`);
    const width = Math.max(...c.mismatched.map((m) => m.name.length));
    for (const m of c.mismatched)
      lines.push(`  ${m.name.padEnd(width)}  declared ${formatShape(m.declared)}, checkpoint ${formatShape(m.found)}`);
  }
  if (c.missing.length) {
    lines.push(`initialised as the model declares, missing from the checkpoint (${c.missing.length}):`);
    const groups = groupKeys(c.declared, new Set(c.missing));
    const width = Math.max(...groups.map((g) => g.pattern.length));
    const digits = String(Math.max(...groups.map((g) => g.keys.length))).length;
    for (const g of groups) lines.push(`  ${g.pattern.padEnd(width)}  ${String(g.keys.length).padStart(digits)}`);
  }
  if (c.unexpected.length)
    lines.push(`ignored, not parameters of the model (${c.unexpected.length}):`, ...c.unexpected.map((n) => `  ${n}`));
  return lines.join("\n");
}

/** The report as data, for `--json` outputs. */
export function coverageJson(c: Coverage) {
  return {
    ...coverageCounts(c),
    initialisedGroups: groupKeys(c.declared, new Set(c.missing)).map((g) => ({
      pattern: g.pattern,
      count: g.keys.length,
    })),
    mismatched: c.mismatched,
    unexpected: c.unexpected,
  };
}

/** Throw when the checkpoint does not match exactly; the first problem is the error, the others are notes. */
export function assertStrict(c: Coverage, file: string): void {
  const problems = [
    ...c.mismatched.map((m) => diag("weight_shape", file, m.name, formatShape(m.declared), formatShape(m.found))),
    ...(c.missing.length ? [diag("weights_missing", file, c.missing.length, c.missing)] : []),
    ...(c.unexpected.length ? [diag("weights_unexpected", file, c.unexpected.length, c.unexpected)] : []),
  ];
  throwFirst(problems);
}

/** Throw when a tensor the model declares has another shape in the checkpoint, as torch's load_state_dict does even with strict=False. */
export function assertShapes(c: Coverage, file: string): void {
  throwFirst(
    c.mismatched.map((m) => diag("weight_shape", file, m.name, formatShape(m.declared), formatShape(m.found))),
  );
}

function throwFirst(problems: ReturnType<typeof diag>[]): void {
  if (!problems.length) return;
  const [first, ...rest] = problems;
  throw new MdlError(rest.reduce((d, p) => withNote(d, p.message), first));
}
