/** ||a - ref|| / ||ref||, summed in float64: how every numeric test compares a result with its reference. */
import * as assert from "uvu/assert";

export function relError(a: ArrayLike<number>, ref: ArrayLike<number>, what = "values"): number {
  assert.is(a.length, ref.length, `${what}: ${a.length} values against the reference's ${ref.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num += (a[i] - ref[i]) ** 2;
    den += ref[i] ** 2;
  }
  return Math.sqrt(num / den);
}
