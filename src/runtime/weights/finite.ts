/**
 * NaN and infinite weights, found when a checkpoint is read: one pass over each float tensor (as f32, after
 * widening), so a damaged file is named with its tensors before anything runs instead of giving NaN outputs.
 * Browser-safe, like checkpoint.ts that calls it.
 */
import { diag, type Diagnostic } from "../../compiler/diagnostics/diagnostic.ts";
import type { HostTensor } from "./tensor.ts";

export interface NonFinite {
  name: string;
  nan: number;
  inf: number;
}

/** How many NaN and how many ±Inf values `data` holds, and the index of the first of them (-1: none). */
export function countNonFinite(data: ArrayLike<number>): { nan: number; inf: number; first: number } {
  let nan = 0;
  let inf = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v - v is 0 for every finite v and NaN for NaN and ±Inf: one comparison on the common path
    if (v - v !== 0) {
      if (first < 0) first = i;
      if (v !== v) nan++;
      else inf++;
    }
  }
  return { nan, inf, first };
}

/** The float tensors among `tensors` (already f32 or f64) that hold a non-finite value, in order. */
export function nonFiniteTensors(tensors: Map<string, HostTensor>): NonFinite[] {
  const out: NonFinite[] = [];
  for (const [name, t] of tensors) {
    if (t.dtype !== "f32" && t.dtype !== "f64") continue;
    const { nan, inf } = countNonFinite(t.data as Float32Array | Float64Array);
    if (nan || inf) out.push({ name, nan, inf });
  }
  return out;
}

const SHOWN = 5;

/** The report of `found` in `file`: an error (MDL550), or a warning (MDL551) where it is allowed or only looked at. */
export function nonFiniteDiag(file: string, found: readonly NonFinite[], severity: "error" | "warning"): Diagnostic {
  const count = found.reduce((n, f) => n + f.nan + f.inf, 0);
  const each = (f: NonFinite) =>
    `\`${f.name}\` (${[f.nan ? `${f.nan} NaN` : "", f.inf ? `${f.inf} Inf` : ""].filter(Boolean).join(", ")})`;
  const rest = found.length - SHOWN;
  const tensors = `${found.length} tensor${found.length === 1 ? "" : "s"}: ${found.slice(0, SHOWN).map(each).join(", ")}${rest > 0 ? ` and ${rest} more` : ""}`;
  return diag(severity === "error" ? "nonfinite_weights" : "nonfinite_weights_allowed", file, count, tensors);
}
