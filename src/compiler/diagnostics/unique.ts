/**
 * Each mistake once, at its source: a block instantiated by every layer of a stack (and checked under
 * every preset) reports the same diagnostic from each instance; the first one stands for them all.
 */
import type { Diagnostic } from "./diagnostic.ts";

export function diagnosticKey(d: Diagnostic): string {
  return `${d.code}\u0000${d.file ?? ""}\u0000${d.span?.start ?? ""}\u0000${d.span?.end ?? ""}\u0000${d.message}`;
}

/** Keep the first diagnostic of each (code, place, message); `seen` carries keys across compilations. */
export function unique(ds: readonly Diagnostic[], seen = new Set<string>()): Diagnostic[] {
  return ds.filter((d) => {
    const k = diagnosticKey(d);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
