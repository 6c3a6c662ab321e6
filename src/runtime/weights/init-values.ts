/**
 * Parameter init values from the IR's Init, seeded per parameter path. Engine-free, so every back end
 * (tfjs at load, ONNX export without weights) starts a missing parameter from the same numbers.
 */
import type { Init } from "../../compiler/0-core/schema.ts";
import { deriveSeed, mulberry32 } from "../data/rng.ts";

/** A stream per parameter path, so a parameter's starting value does not depend on which others were loaded. */
export function seededRandom(seed: number, path = ""): () => number {
  const rng = mulberry32(deriveSeed(seed, path));
  return () => rng.next();
}

function gaussian(rand: () => number): number {
  const u = 1 - rand(); // (0, 1]: log stays finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/**
 * Init args as the compiler writes them (src/compiler/3-check/elaborate.ts): normal(std) and
 * trunc_normal(std) with mean 0, the latter cut at torch.nn.init.trunc_normal_'s default absolute
 * bounds [-2, 2] (resampled until inside); uniform(low, high); fill(value).
 */
export function initValues(init: Init, size: number, rand: () => number): Float32Array {
  const out = new Float32Array(size);
  const [p0, p1] = init.args;
  switch (init.kind) {
    case "zeros":
      break;
    case "ones":
      out.fill(1);
      break;
    case "fill":
      out.fill(p0 ?? 0);
      break;
    case "uniform": {
      const lo = p0 ?? 0;
      const hi = p1 ?? 1;
      for (let i = 0; i < size; i++) out[i] = lo + (hi - lo) * rand();
      break;
    }
    case "normal":
      for (let i = 0; i < size; i++) out[i] = (p0 ?? 1) * gaussian(rand);
      break;
    case "trunc_normal": {
      const std = p0 ?? 1;
      for (let i = 0; i < size; i++) {
        let v: number;
        do v = std * gaussian(rand);
        while (v < -2 || v > 2);
        out[i] = v;
      }
      break;
    }
  }
  return out;
}
