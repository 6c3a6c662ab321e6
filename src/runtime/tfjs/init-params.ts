/** Parameter creation: from a torch-layout source where given, else from each Param's init, seeded. */
import * as tf from "@tensorflow/tfjs";
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import { fail, MdlError } from "../../compiler/diagnostics/diagnostic.ts";
import { checkParamMemory } from "../../compiler/limits.ts";
import { toRuntimeLayout } from "./layout.ts";
import { initValues, seededRandom } from "../weights/init-values.ts";

export { initValues, seededRandom } from "../weights/init-values.ts";

export function createParams(
  ir: ModelIR,
  source: Map<string, { shape: number[]; data: Float32Array }> | undefined,
  opts: { trainable: boolean; seed: number },
): Map<string, tf.Tensor | tf.Variable> {
  const tooLarge = checkParamMemory(ir);
  if (tooLarge) throw new MdlError(tooLarge);
  const out = new Map<string, tf.Tensor | tf.Variable>();
  for (const p of ir.params) {
    const given = source?.get(p.path);
    if (given && given.shape.join(",") !== p.shape.join(","))
      fail("weight_shape", undefined, p.path, `[${p.shape.join(", ")}]`, `[${given.shape.join(", ")}]`);
    // One stream per param, keyed by its path: a param's initial value does not depend on
    // which other params exist or were loaded.
    const data =
      given?.data ??
      initValues(
        p.init,
        p.shape.reduce((a, d) => a * d, 1),
        seededRandom(opts.seed, p.path),
      );
    const t = toRuntimeLayout(ir, p.path, { shape: [...p.shape], data });
    if (opts.trainable) {
      out.set(p.path, tf.variable(t, true));
      t.dispose();
    } else out.set(p.path, t);
  }
  return out;
}
