/** ||a - ref|| / ||ref||, summed in float64 (src/util/rel-error.ts), after checking both have as many values. */
import * as assert from "uvu/assert";
import { relErrorOf } from "../../src/util/rel-error.ts";

export function relError(a: ArrayLike<number>, ref: ArrayLike<number>, what = "values"): number {
  assert.is(a.length, ref.length, `${what}: ${a.length} values against the reference's ${ref.length}`);
  return relErrorOf(a, ref);
}
