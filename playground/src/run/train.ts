/**
 * Training in the page as `mdl train` trains: the checkpoint loaded as a training start (run/load-params.ts),
 * the compiler's training step with X-CLIP's recipe (session/step-settings.ts: AdamW, betas 0.9/0.98, weight
 * decay 0.001 but not on embeddings, norms and biases, label smoothing 0.1), and the CLI loop's steps
 * (train/steps.ts: warm-up then cosine). The data set is the inputs file's one batch; sample b is class b mod K.
 * No Node API and no `document`, so a test runs it in Node.
 */
import type { ModelIR } from "../../../src/compiler/0-core/schema.ts";
import { evalDim } from "../../../src/compiler/0-core/dim.ts";
import { stepPorts } from "../../../src/compiler/5-train/step.ts";
import { bindSymbols } from "../../../src/runtime/backend/bind-symbols.ts";
import type { Engine, Params, Tensor } from "../../../src/runtime/backend/engine.ts";
import { trainingStart } from "../../../src/runtime/run/load-params.ts";
import { toModelInputs } from "../../../src/runtime/run/model-inputs.ts";
import { stepSettings } from "../../../src/runtime/session/step-settings.ts";
import { IrStepper } from "../../../src/runtime/train/ir-stepper.ts";
import { warmupCosine } from "../../../src/runtime/train/schedule.ts";
import { runSteps, type StepInfo } from "../../../src/runtime/train/steps.ts";
import type { Checkpoint } from "../../../src/runtime/weights/checkpoint.ts";
import { toFloat32, type HostTensor } from "../../../src/runtime/weights/tensor.ts";

/** What the page's input errors name: the inputs were picked, dropped or bundled, not read from a path. */
export const INPUTS_FILE = "the inputs file";

/** The page's run (the rate's shape is `mdl train`'s default: warmupCosine). */
export const PAGE_TRAINING = { steps: 20, lr: 1e-3, seed: 0 };

export interface TrainOptions {
  steps?: number;
  onStep?: (info: StepInfo) => void;
  /** The parameters after the last step (torch's layout), before they are freed. */
  onEnd?: (params: Params) => Promise<void> | void;
}

/** The logits output (`logits`, else the first) and its [B, K] for these inputs. */
function logitsOf(ir: ModelIR, inputs: Record<string, Tensor>): { name: string; batch: number; classes: number } {
  const port = ir.graph.outputs.find((o) => o.name === "logits") ?? ir.graph.outputs[0];
  const env = bindSymbols(ir, inputs);
  const shape = port.type.shape.map((d) => evalDim(d, env));
  if (shape.length !== 2)
    throw new Error(`training needs logits [B, K]; ${ir.model}'s \`${port.name}\` is [${port.type.shape.join(", ")}]`);
  return { name: port.name, batch: shape[0], classes: shape[1] };
}

export async function trainModel(
  e: Engine,
  ir: ModelIR,
  ckpt: Checkpoint,
  io: Map<string, HostTensor>,
  o: TrainOptions = {},
): Promise<void> {
  const steps = o.steps ?? PAGE_TRAINING.steps;
  const { weights } = trainingStart(ir, ckpt);
  const inputs = toModelInputs(ir, io, INPUTS_FILE, undefined, e);
  const logits = logitsOf(ir, inputs);
  const labels = e.fromHost({
    dtype: "i32",
    shape: [logits.batch],
    data: Int32Array.from({ length: logits.batch }, (_, b) => b % logits.classes),
  });
  const settings = { ...stepSettings(ir), logits: logits.name };
  const f32 = new Map([...weights].map(([k, t]) => [k, { shape: t.shape, data: toFloat32(t) }]));
  const params = e.createParams(ir, f32, { trainable: false, seed: PAGE_TRAINING.seed, compiled: true });
  // the inputs and labels are the same every step: the stepper's constants
  const stepper = await IrStepper.create(e, ir, settings, params, { ...inputs, [stepPorts.labels]: labels });
  try {
    await runSteps({
      dataSize: 1,
      batch: 1,
      steps,
      seed: PAGE_TRAINING.seed,
      stepper,
      inputsOf: () => ({}),
      lr: warmupCosine(PAGE_TRAINING.lr, steps),
      where: ckpt.file,
      afterStep: o.onStep,
    });
    await o.onEnd?.(stepper.params());
  } finally {
    const last = stepper.params();
    await stepper.dispose();
    e.dispose(last.values());
    e.dispose(inputs);
    labels.dispose();
  }
}
