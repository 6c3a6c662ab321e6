/** Shared by the run tests: fixture paths, compiling a model file against a checkpoint, and comparing tensors. */
import * as tf from "@tensorflow/tfjs";
import * as assert from "uvu/assert";
import { relError as hostRelError } from "../helpers/rel-error.ts";
import { compile } from "../../src/compiler/compile.ts";
import type { ModelIR } from "../../src/compiler/0-core/schema.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import { initBackend } from "../../src/runtime/tfjs/backend.ts";
import { loadCheckpoint, shapesOf, type Checkpoint } from "../../src/runtime/weights/load.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";
import type { Tensor } from "../../src/runtime/backend/engine.ts";
import { toFloat32 } from "../../src/runtime/weights/tensor.ts";

export const FIXTURES = "test/fixtures";
export const CLI = ["--import", "tsx", "src/cli/main.ts"];
/** The weight files a fixture may have, and each fixture with the model file it is an instance of. */
export const FIXTURE_FILES = [
  "weights.safetensors",
  "weights.pth",
  "weights-legacy.pth",
  "checkpoint-official-layout.pth",
  "weights-fp16.pth",
];
export const FIXTURE_CASES: [string, string][] = [
  ["xclip-tiny-e64", "models/xclip.mdl"],
  ["xclip-tiny-e128", "models/xclip.mdl"],
  ["xclip-tiny-mixed", "models/xclip.mdl"],
  ["clip-tiny", "models/clip.mdl"],
];

export async function wasm1(): Promise<void> {
  await initBackend({ backend: "wasm", threads: 1 });
  assert.is(tf.getBackend(), "wasm");
}

/** Compile `model` with the checkpoint as the only option, as `mdl predict MODEL --weights W` does. */
export function compileWith(
  model: string,
  weights: string,
  extra: { preset?: string; set?: [string, string][] } = {},
): { ir: ModelIR; ckpt: Checkpoint } {
  const ckpt = loadCheckpoint(weights);
  const r = compile(model, fsHost, { ...extra, weights: { file: weights, shapes: shapesOf(ckpt) } });
  assert.ok(r.value, r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return { ir: r.value!, ckpt };
}

/** ||ours - ref|| / ||ref||, in float64; ours is read in the reference's shape (same element count). */
export function relError(ours: Tensor, ref: HostTensor, name: string): number {
  const want = ref.shape.reduce((a, d) => a * d, 1);
  const a = (ours as tf.Tensor).dataSync();
  assert.is(a.length, want, `${name}: ${ours.shape} against the reference's [${ref.shape}]`);
  return hostRelError(a, toFloat32(ref), name);
}

/** max |ours / oursScale - ref / refScale|: logits compared as cosines, each side divided by its own scale. */
export function cosineError(ours: Tensor, ref: HostTensor, oursScale: number, refScale: number): number {
  const a = (ours as tf.Tensor).dataSync();
  const r = toFloat32(ref);
  let m = 0;
  for (let i = 0; i < r.length; i++) m = Math.max(m, Math.abs(a[i] / oursScale - r[i] / refScale));
  return m;
}

/** The value a module instance's call leaves (its named output, or its only one). */
export function callOutput(ir: ModelIR, scope: string, output?: string): number {
  const call = ir.graph.calls.find((c) => c.scope === scope);
  assert.ok(call, `no call of ${scope}`);
  const o = output ? call!.outputs.find((x) => x.name === output) : call!.outputs[0];
  assert.ok(o, `${scope} has no output ${output}`);
  return o!.value;
}

export function callInput(ir: ModelIR, scope: string, index: number): number {
  const call = ir.graph.calls.find((c) => c.scope === scope);
  assert.ok(call, `no call of ${scope}`);
  return call!.inputs[index];
}

/**
 * The fixtures' `inter.*` names as IR values (config.json `io_descriptions` says what each one is).
 * Block indices are read from the name; the reference may lay a value out differently ([B, T, ...] against
 * our [B*T, ...]), so values are compared element by element in row-major order.
 */
export function interNode(ir: ModelIR, name: string): number {
  const m = (re: RegExp) => name.match(re);
  let g: RegExpMatchArray | null;
  if ((g = m(/^inter\.visual\.block(\d+)\.(message_fc|message_attn)_out$/)))
    return callOutput(ir, `visual.transformer.resblocks.${g[1]}.${g[2]}`);
  if ((g = m(/^inter\.visual\.block(\d+)\.out$/))) return callOutput(ir, `visual.transformer.resblocks.${g[1]}`);
  if ((g = m(/^inter\.text\.block(\d+)\.out$/))) return callOutput(ir, `encode_text.transformer.resblocks.${g[1]}`);
  if ((g = m(/^inter\.mit\.block(\d+)\.out$/))) return callOutput(ir, `mit.resblocks.${g[1]}`);
  if ((g = m(/^inter\.prompt\.layer(\d+)\.out$/))) return callOutput(ir, `prompts_generator.decoder.${g[1]}`);
  switch (name) {
    case "inter.visual.ln_pre_out":
      return callOutput(ir, "visual.ln_pre");
    case "inter.frame_cls_features":
      return callOutput(ir, "visual", "cls");
    case "inter.patch_tokens_raw":
      return callOutput(ir, "visual", "patches");
    case "inter.patch_features":
      return callOutput(ir, "project_patches");
    case "inter.patch_features_mean":
      return callInput(ir, "prompts_generator.norm", 0);
    case "inter.video_features":
      return callOutput(ir, "mit");
    case "inter.text_features":
      return callOutput(ir, "encode_text");
    case "inter.prompt.visual_normed":
      return callOutput(ir, "prompts_generator.norm");
    case "inter.prompt_delta":
      return callOutput(ir, "prompts_generator");
    case "inter.text_features_prompted": {
      // `t + prompts_generator(t, p)`: the one add that takes the generator's output
      const delta = callOutput(ir, "prompts_generator");
      const adds = ir.graph.nodes.filter((n) => n.op === "add" && n.args.includes(delta));
      assert.is(adds.length, 1, "one add of the prompt delta");
      return adds[0].id;
    }
  }
  throw new Error(`test has no mapping for ${name}`);
}
