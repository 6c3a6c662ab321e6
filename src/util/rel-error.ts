/**
 * ||a - ref|| / ||ref||, summed in float64: how a result is compared with its reference, by the tests and by
 * the playground's parity readout alike. Pure (no Node API), so the browser bundle can take it.
 */
export function relErrorOf(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num += (a[i] - ref[i]) ** 2;
    den += ref[i] ** 2;
  }
  return Math.sqrt(num / den);
}
