/**
 * Learning-rate schedule: linear warm-up, then cosine decay to `minLr` (the X-CLIP recipe).
 * `step` is the 0-based index of the update about to be made. Warm-up gives base * (step + 1) / warmupSteps,
 * so the first update is not wasted on lr = 0 (timm starts at 0) and the last warm-up step reaches `base`.
 */
export interface LrSchedule {
  base: number;
  warmupSteps: number;
  totalSteps: number;
  minLr: number;
}

/**
 * The recipe's schedule over a run of `totalSteps`: warm-up for a fraction of it (default 0.1), then cosine
 * down to `minLr` (default base / 100), as `mdl train` and the playground train.
 */
export function warmupCosine(
  base: number,
  totalSteps: number,
  o: { warmup?: number; minLr?: number } = {},
): LrSchedule {
  return { base, warmupSteps: Math.round((o.warmup ?? 0.1) * totalSteps), totalSteps, minLr: o.minLr ?? base / 100 };
}

export function lrAt(step: number, s: LrSchedule): number {
  if (step < s.warmupSteps) return (s.base * (step + 1)) / s.warmupSteps;
  const span = s.totalSteps - s.warmupSteps;
  if (span <= 0 || step >= s.totalSteps) return s.minLr;
  const progress = (step - s.warmupSteps) / span;
  return s.minLr + 0.5 * (s.base - s.minLr) * (1 + Math.cos(Math.PI * progress));
}
