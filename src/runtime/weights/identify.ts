/**
 * What model a checkpoint looks like, from its names and shapes alone, derived as the official X-CLIP
 * `build_model` derives its hyperparameters from a CLIP state dict (spec §7), under the hyperparameter
 * names of models/clip.mdl and models/xclip.mdl. Where the tensors came from (OpenAI's names, Hugging
 * Face's, an open_clip training checkpoint) is told apart by what checkpoint.ts recorded before mapping.
 */
import type { Checkpoint } from "./checkpoint.ts";

export interface Identification {
  family: "clip" | "xclip" | "unrecognised";
  /** "CLIP ViT-B/32", "X-CLIP ViT-B/16, 8 frames, MIT 1 layer, prompts 2 layers", ... */
  model: string;
  /** "OpenAI layout", "Hugging Face layout", "open_clip checkpoint", ... */
  origin: string;
  /** `model (origin)`, or "unrecognised". */
  description: string;
  hyper: Record<string, number>;
}

/** Released ViT towers: patch, width, layers (the image size is added as @N when it is not 224). */
const VITS: [string, number, number, number][] = [
  ["B/32", 32, 768, 12],
  ["B/16", 16, 768, 12],
  ["L/14", 14, 1024, 24],
  ["H/14", 14, 1280, 32],
  ["g/14", 14, 1408, 40],
  ["bigG/14", 14, 1664, 48],
];

/** OpenAI's ResNet towers by their blocks per stage. */
const RESNETS: [string, number[]][] = [
  ["RN50", [3, 4, 6, 3]],
  ["RN101", [3, 4, 23, 3]],
  ["RN50x4", [4, 6, 10, 6]],
  ["RN50x16", [6, 8, 18, 8]],
  ["RN50x64", [3, 15, 36, 10]],
];

type Source = Pick<Checkpoint, "tensors" | "layout" | "wrapper">;

export function identify(ckpt: Source): Identification {
  const shape = (name: string) => ckpt.tensors.get(name)?.shape;
  const names = [...ckpt.tensors.keys()];
  const indices = (prefix: string) =>
    new Set(names.filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length).split(".")[0])).size;
  const unrecognised: Identification = {
    family: "unrecognised",
    model: "unrecognised",
    origin: originOf(ckpt, "clip"),
    description: "unrecognised",
    hyper: {},
  };

  const conv1 = shape("visual.conv1.weight");
  const token = shape("token_embedding.weight");
  const hyper: Record<string, number> = {};
  if (token) {
    hyper.vocab = token[0];
    hyper.context = shape("positional_embedding")?.[0] ?? 0;
    hyper.text_width = shape("ln_final.weight")?.[0] ?? token[1];
    hyper.text_layers = indices("transformer.resblocks.");
  }
  const textProjection = shape("text_projection");
  if (textProjection) hyper.embed = textProjection[1];

  let tower: string | undefined;
  if (shape("visual.proj") && conv1) {
    hyper.width = conv1[0];
    // `message_attn` does not end in `.attn.in_proj_weight`, so cross-frame layers are not counted twice.
    hyper.layers = names.filter((n) => n.startsWith("visual.") && n.endsWith(".attn.in_proj_weight")).length;
    hyper.patch = conv1[conv1.length - 1];
    const tokens = shape("visual.positional_embedding")?.[0] ?? 1;
    hyper.resolution = hyper.patch * Math.round(Math.sqrt(tokens - 1));
    tower = vitName(hyper);
  } else if (shape("visual.attnpool.c_proj.weight")) {
    const blocks = [1, 2, 3, 4].map((i) => indices(`visual.layer${i}.`));
    const known = RESNETS.find(([, b]) => b.every((n, i) => n === blocks[i]));
    tower = known ? known[0] : `ResNet, ${blocks.join("-")} blocks`;
  }
  if (!tower || !token) return unrecognised;

  const mit = shape("mit.positional_embedding");
  if (mit) {
    hyper.frames = mit[1];
    hyper.mit_layers = indices("mit.resblocks.");
    hyper.prompts_layers = indices("prompts_generator.decoder.");
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
    const parts = [`${plural(hyper.frames, "frame")}`, `MIT ${plural(hyper.mit_layers, "layer")}`];
    if (hyper.prompts_layers) parts.push(`prompts ${plural(hyper.prompts_layers, "layer")}`);
    // A tower without a released name is a list itself: bracket it so the frame and layer counts stay apart.
    const model = `X-CLIP ${tower.includes(",") ? `(${tower})` : tower}, ${parts.join(", ")}`;
    const origin = originOf(ckpt, "xclip");
    return { family: "xclip", model, origin, description: `${model} (${origin})`, hyper };
  }
  const model = `CLIP ${tower}`;
  const origin = originOf(ckpt, "clip");
  return { family: "clip", model, origin, description: `${model} (${origin})`, hyper };
}

function vitName(h: Record<string, number>): string {
  const known = VITS.find(([, patch, width, layers]) => patch === h.patch && width === h.width && layers === h.layers);
  if (known) return `ViT-${known[0]}${h.resolution === 224 ? "" : `@${h.resolution}`}`;
  return `ViT, patch ${h.patch}, width ${h.width}, ${h.layers}+${h.text_layers} layers`;
}

function originOf(ckpt: Source, family: "clip" | "xclip"): string {
  // open_clip's training saves {"epoch", "name", "state_dict", "optimizer"[, "scaler"]}.
  const w = ckpt.wrapper;
  if (w?.key === "state_dict" && w.others.includes("epoch") && w.others.includes("optimizer"))
    return "open_clip checkpoint";
  if (ckpt.layout === "hugging-face") return "Hugging Face layout";
  const layout = family === "xclip" ? "official X-CLIP layout" : "OpenAI layout";
  return w ? `${layout}, under \`${w.key}\` of a training checkpoint` : layout;
}
