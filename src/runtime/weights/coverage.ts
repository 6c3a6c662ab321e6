/** Which declared parameters a checkpoint provides, which it lacks, and which it has in excess. */
import { MdlError, diag, withNote } from "../../compiler/diagnostics/diagnostic.ts";
import { formatShape } from "./tensor.ts";

export interface Coverage {
  loaded: string[];
  missing: string[];
  unexpected: string[];
  mismatched: { name: string; declared: number[]; found: number[] }[];
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

export function coverage(expected: { path: string; shape: number[] }[], found: Map<string, { shape: number[] }>): Coverage {
  const c: Coverage = { loaded: [], missing: [], unexpected: [], mismatched: [] };
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

export function formatCoverage(c: Coverage): string {
  const total = c.loaded.length + c.missing.length + c.mismatched.length;
  const lines = [`loaded ${c.loaded.length} of ${total} parameters`];
  if (c.mismatched.length) {
    lines.push(`shape mismatches (${c.mismatched.length}):`);
    const width = Math.max(...c.mismatched.map((m) => m.name.length));
    for (const m of c.mismatched) lines.push(`  ${m.name.padEnd(width)}  declared ${formatShape(m.declared)}, checkpoint ${formatShape(m.found)}`);
  }
  if (c.missing.length) lines.push(`missing from the checkpoint (${c.missing.length}):`, ...c.missing.map((n) => `  ${n}`));
  if (c.unexpected.length) lines.push(`not parameters of the model (${c.unexpected.length}):`, ...c.unexpected.map((n) => `  ${n}`));
  return lines.join("\n");
}

/** Throw when the checkpoint does not match exactly; the first problem is the error, the others are notes. */
export function assertStrict(c: Coverage, file: string): void {
  const problems = [
    ...c.mismatched.map((m) => diag("weight_shape", file, m.name, formatShape(m.declared), formatShape(m.found))),
    ...(c.missing.length ? [diag("weights_missing", file, c.missing.length, c.missing)] : []),
    ...(c.unexpected.length ? [diag("weights_unexpected", file, c.unexpected.length, c.unexpected)] : []),
  ];
  if (!problems.length) return;
  const [first, ...rest] = problems;
  throw new MdlError(rest.reduce((d, p) => withNote(d, p.message), first));
}

