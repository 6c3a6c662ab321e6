/** Seeded randomness for sampling, augmentation and synthetic data: same seed, same bytes, on every platform. */

/** Anything with `next()` uniform in [0, 1): training code passes its own generator. */
export interface Rng {
  next(): number;
}

/** mulberry32: 32-bit state, good enough for augmentation and drawing distractors, trivially reproducible. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/**
 * Derive an independent seed from a seed and labels (split, class pair, index), so one video's draw does not
 * depend on how many videos were generated before it. FNV-1a over the parts, then a murmur finaliser.
 */
export function deriveSeed(seed: number, ...parts: (number | string)[]): number {
  let h = 0x811c9dc5;
  for (const part of [seed, ...parts]) {
    const text = String(part);
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ 0x2f, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Uniform integer in [0, n). */
export const randInt = (rng: Rng, n: number): number => Math.min(n - 1, Math.floor(rng.next() * n));

/** Uniform real in [lo, hi). */
export const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.next();
