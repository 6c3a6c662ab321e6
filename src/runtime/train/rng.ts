/**
 * A seeded PRNG whose whole state is four 32-bit words, so a checkpoint can store it and a resumed run
 * draws exactly the numbers the uninterrupted run would have drawn (Math.random cannot be restored).
 * Generator: sfc32 (Chris Doty-Humphrey's small fast counter), seeded through splitmix32 so that
 * neighbouring seeds give unrelated streams.
 */
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";

export type RngState = [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(s: RngState) {
    [this.a, this.b, this.c, this.d] = s.map((x) => x >>> 0) as RngState;
  }

  /** A generator for `seed`; `stream` selects an independent sequence (e.g. one per epoch). */
  static seeded(seed: number, stream = 0): Rng {
    const mix = splitmix32((seed >>> 0) ^ Math.imul(stream + 1, 0x27d4eb2f));
    const rng = new Rng([mix(), mix(), mix(), mix() | 1]);
    // sfc32 needs a few rounds before its output stops resembling the seed.
    for (let i = 0; i < 12; i++) rng.nextU32();
    return rng;
  }

  static restore(state: unknown): Rng {
    invariant(
      Array.isArray(state) && state.length === 4 && state.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32),
      `bad RNG state ${JSON.stringify(state)}`,
    );
    return new Rng(state as RngState);
  }

  state(): RngState {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  nextU32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = (this.b ^ (this.b >>> 9)) >>> 0;
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    invariant(Number.isInteger(n) && n > 0, `Rng.int(${n})`);
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller; one draw per call so the state stays a plain counter). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(0) would be -Infinity
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
