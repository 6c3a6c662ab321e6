/**
 * Shared by the tests that check the compiler's training step (compiler/5-train) against a reference
 * autodiff: the IR gradients of every parameter through the compiled `accumulate` step on an engine, and
 * the error measures they are judged by.
 */
import * as assert from "uvu/assert";
import type { ModelIR } from "../../src/compiler/0-core/schema.ts";
import { buildTrainStep } from "../../src/compiler/5-train/step.ts";
import { currentEngine, useEngine } from "../../src/runtime/backend/current.ts";
import type { Engine } from "../../src/runtime/backend/engine.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";

export interface GradCase {
  video: HostTensor;
  text: HostTensor;
  labels: readonly number[];
  /** Torch-layout weights by path (float32); parameters not in it come from their initialisers at `seed`. */
  weights?: ReadonlyMap<string, { shape: number[]; data: Float32Array }>;
  seed: number;
  smoothing?: number;
}

/**
 * `next.grad.<path>` of the compiled accumulate step for every parameter (all trained, one group, no weight
 * decay), in the IR's parameter layout (torch's), and the step's loss.
 */
export async function irGrads(
  e: Engine,
  ir: ModelIR,
  c: GradCase,
): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
  const before = currentEngine();
  useEngine(e);
  try {
    return await gradsOn(e, ir, c);
  } finally {
    if (before) useEngine(before);
  }
}

async function gradsOn(
  e: Engine,
  ir: ModelIR,
  c: GradCase,
): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
  const step = buildTrainStep(ir, {
    groups: [{ paths: ir.params.map((p) => p.path), lrScale: 1, weightDecay: 0 }],
    smoothing: c.smoothing ?? 0.1,
    adam: { beta1: 0.9, beta2: 0.98, eps: 1e-8 },
    phase: "accumulate",
  });
  const program = await e.compile(step);
  const params = e.createParams(ir, c.weights, { trainable: false, seed: c.seed, compiled: true });
  const feeds = {
    video: e.fromHost(c.video),
    text: e.fromHost(c.text),
    labels: e.fromHost({ dtype: "i32", shape: [c.labels.length], data: Int32Array.from(c.labels) }),
  };
  const out = await program.run(feeds, params);
  const loss = (await e.read(out.loss)).data[0] as number;
  const grads = new Map<string, Float32Array>();
  for (const p of ir.params) grads.set(p.path, (await e.read(out[`next.grad.${p.path}`])).data as Float32Array);
  e.dispose(out);
  e.dispose(Object.values(feeds));
  e.dispose(params.values());
  await program.dispose();
  return { loss, grads };
}

export interface GradErrors {
  /** max |a - b| over all parameters / max |b| over all parameters (the gradients as one vector). */
  whole: number;
  /** The parameter with the largest max |a - b| / max |b|, and that ratio. */
  worst: { path: string; rel: number };
  /** max |a - b| / max |b| per parameter. */
  per: Map<string, number>;
}

/** max |a - b| over max |b|: per parameter, and over all parameters as one vector. `want` is the reference. */
export function gradErrors(
  got: ReadonlyMap<string, ArrayLike<number>>,
  want: ReadonlyMap<string, ArrayLike<number>>,
): GradErrors {
  let num = 0;
  let den = 0;
  let worst = { path: "", rel: 0 };
  const per = new Map<string, number>();
  for (const [path, b] of want) {
    const a = got.get(path)!;
    assert.ok(
      a && a.length === b.length,
      `no gradient for ${path}, or ${a?.length} values against the reference's ${b.length}`,
    );
    let n = 0;
    let d = 0;
    for (let i = 0; i < b.length; i++) {
      n = Math.max(n, Math.abs(a[i] - b[i]));
      d = Math.max(d, Math.abs(b[i]));
    }
    num = Math.max(num, n);
    den = Math.max(den, d);
    const rel = n / d;
    per.set(path, rel);
    if (!Number.isNaN(worst.rel) && !(rel <= worst.rel)) worst = { path, rel }; // a NaN (0 / 0, or a NaN gradient) is the worst
  }
  return { whole: num / den, worst, per };
}
