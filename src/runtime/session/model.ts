/**
 * A compiled video classifier ready to run: the IR lowered for the engine, its parameters, and what its inputs need
 * (frames T, crop size, text context). The model contract is X-CLIP's: inputs `video` [B, T, 3, S, S] and
 * `text` [K, context], output `logits` [B, K] against the K class texts.
 */
import { createHash } from "node:crypto";
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { engine, lowerSync, training } from "../backend/current.ts";
import type { CompiledProgram, Program, Tensor } from "../backend/engine.ts";
import { ClipTokenizer } from "../tokenizer/clip-tokenizer.ts";
import { splitByInputs } from "../run/split.ts";
import { checkTokenIds } from "../run/token-ids.ts";
import { toFloat32, type HostTensor } from "../weights/tensor.ts";

export { paramsUnder } from "./select.ts";

export interface VideoModel {
  ir: ModelIR;
  /** The forward as a synchronous program (tfjs); absent on engines that run asynchronously only. */
  program?: Program;
  /** The forward compiled for asynchronous runs, made on first use (evaluation on any engine). */
  compiled?: CompiledProgram;
  /** The parameters are in the layout compiled programs read (trained through a compiled step): use `compiled`. */
  compiledLayout?: boolean;
  params: Map<string, Tensor>;
  frames: number;
  size: number;
  context: number;
}

const fixed = (d: number | string | undefined): number | undefined => (typeof d === "number" ? d : undefined);

/** T, S and the context length from the declared input shapes; anything else is not a video classifier. */
export function classifierShape(ir: ModelIR): { frames: number; size: number; context: number } {
  const video = ir.graph.inputs.find((p) => p.name === "video");
  const text = ir.graph.inputs.find((p) => p.name === "text");
  const logits = ir.graph.outputs.find((o) => o.name === "logits");
  if (!video || !text || !logits)
    fail("not_a_classifier", ir.file, "it needs inputs `video` and `text` and an output `logits`");
  const [, T, C, H, W] = video.type.shape.map(fixed);
  const context = fixed(text.type.shape[1]);
  if (video.type.shape.length !== 5 || C !== 3 || !T || !H || H !== W || !context)
    fail(
      "not_a_classifier",
      ir.file,
      "`video` must be [B, T, 3, S, S] and `text` [K, context] with fixed T, S and context",
    );
  return { frames: T, size: H, context };
}

/** Parameters from torch-layout weights where given, the rest from their seeded initialisers. */
export function openModel(
  ir: ModelIR,
  source: Map<string, HostTensor> | undefined,
  opts: { trainable: boolean; seed: number },
): VideoModel {
  const shape = classifierShape(ir);
  const f32 = source && new Map([...source].map(([k, t]) => [k, { shape: t.shape, data: toFloat32(t) }]));
  const e = engine();
  if (opts.trainable) training(); // an inference-only engine stops here, before any allocation
  return { ir, program: e.lower ? lowerSync(ir) : undefined, params: e.createParams(ir, f32, opts), ...shape };
}

export function disposeModel(m: VideoModel): void {
  engine().dispose(m.params.values());
  void m.compiled?.dispose();
}

/** Logits of the forward on any engine (inference): the synchronous program where there is one. */
export async function inferLogits(m: VideoModel, video: Tensor, text: Tensor): Promise<Tensor> {
  if (m.program && !m.compiledLayout) {
    const { outputs } = m.program.predict({ video, text }, m.params);
    for (const [name, t] of Object.entries(outputs)) if (name !== "logits") t.dispose();
    return outputs.logits;
  }
  m.compiled ??= await engine().compile(m.ir);
  const outputs = await m.compiled.run({ video, text }, m.params);
  for (const [name, t] of Object.entries(outputs)) if (name !== "logits") t.dispose();
  return outputs.logits;
}

/** Logits [B, K]; the caller owns the result (and disposes intermediates with a scope or the gradient tape). */
export function classLogits(m: VideoModel, video: Tensor, text: Tensor, training: boolean): Tensor {
  return (m.program ?? lowerSync(m.ir)).run({ video, text }, m.params, { training }).outputs.logits;
}

/** The class names as the model's `text` input [K, context] (CLIP's tokenizer, truncated as OpenAI's is). */
export function classTexts(classes: readonly string[], context: number, ir?: ModelIR): Tensor {
  const { ids, shape } = ClipTokenizer.load().tokenize([...classes], context);
  if (ir) checkTokenIds(ir, "text", ids, "CLIP's tokenizer (the class names)", shape);
  return engine().fromHost({ dtype: "i32", shape: [...shape], data: ids });
}

/** Checkpoint layout: torch's, so a saved file loads with `--weights` here and as a state dict in PyTorch. */
export function torchWeightIo(ir: ModelIR) {
  const e = engine();
  return {
    save: async (path: string, v: Tensor): Promise<HostTensor> => ({
      dtype: "f32",
      ...(await e.toTorchLayout(ir, path, v)),
    }),
    load: (path: string, t: HostTensor): Tensor =>
      e.fromTorchLayout(ir, path, { shape: t.shape, data: t.data as Float32Array }),
  };
}

/** What a resumed run must match: the graph and the parameters, not where the source text sat. */
export function irHash(ir: ModelIR): string {
  const strip = (_k: string, v: unknown) => (_k === "loc" ? undefined : v);
  return createHash("sha256")
    .update(JSON.stringify({ graph: ir.graph, params: ir.params }, strip))
    .digest("hex")
    .slice(0, 16);
}

/**
 * The model split into what depends only on the texts (`fixed`, its values computed once) and the video side
 * (`varying`, reading them as `cached.<id>` inputs); undefined when the text side reads no frozen parameter or
 * reads a trained one (then there is nothing to cache).
 */
export function frozenTextSplit(
  ir: ModelIR,
  frozen: ReadonlySet<string>,
): { fixed: ModelIR; varying: ModelIR } | undefined {
  const trainable = new Set(ir.params.map((p) => p.path).filter((p) => !frozen.has(p)));
  const split = splitByInputs(ir, ["video"], trainable);
  const reads = split.fixed.graph.nodes.filter((n) => n.op === "param").map((n) => n.attrs.path as string);
  return !reads.some((p) => frozen.has(p)) || reads.some((p) => trainable.has(p)) ? undefined : split;
}

/**
 * What depends only on the texts and on frozen parameters is the same at every step: compute it once
 * (the graph split `classify` uses, with the trainable parameters counted as varying) and run only the
 * rest per step. Undefined when nothing frozen is cached. The caller disposes the cached tensors.
 */
export function frozenTextLogits(
  m: VideoModel,
  text: Tensor,
  frozen: ReadonlySet<string>,
): { logits: (video: Tensor, training: boolean) => Tensor; dispose: () => void } | undefined {
  const split = frozenTextSplit(m.ir, frozen);
  if (!split) return undefined;
  const { fixed, varying } = split;
  const e = engine();
  const cached = lowerSync(fixed).predict({ text }, m.params).outputs;
  const run = lowerSync(varying);
  return {
    logits: (video, training) => run.run({ video, ...cached }, m.params, { training }).outputs.logits,
    dispose: () => e.dispose(cached),
  };
}
