/**
 * Hugging Face `transformers` CLIP and X-CLIP state dicts -> the official OpenAI / microsoft X-CLIP names
 * that mdl models use. Besides renames, HF splits each packed attention projection into q/k/v and
 * stores the two output projections as nn.Linear weights, i.e. transposed.
 */
import { allocTyped, bytesOf, BYTES_PER_ELEMENT, type HostTensor } from "./tensor.ts";

/** Names inside one transformer layer (text, vision, MIT); q/k/v are merged separately. */
const LAYER: [RegExp, string][] = [
  [/^self_attn\.out_proj\./, "attn.out_proj."],
  [/^layer_norm1\./, "ln_1."],
  [/^layer_norm2\./, "ln_2."],
  [/^mlp\.fc1\./, "mlp.c_fc."],
  [/^mlp\.fc2\./, "mlp.c_proj."],
  [/^(message_fc|message_ln|message_attn\.out_proj)\./, "$1."],
];

/** Whole-name rules; `L` stands for a layer tail rewritten by LAYER. */
const TOP: [RegExp, string | ((m: RegExpMatchArray) => string | undefined)][] = [
  [/^text_model\.embeddings\.token_embedding\.weight$/, "token_embedding.weight"],
  [/^text_model\.embeddings\.position_embedding\.weight$/, "positional_embedding"],
  [/^text_model\.final_layer_norm\.(weight|bias)$/, "ln_final.$1"],
  [/^text_model\.encoder\.layers\.(\d+)\.(.+)$/, (m) => layer("transformer.resblocks", m)],
  [/^vision_model\.embeddings\.class_embedding$/, "visual.class_embedding"],
  [/^vision_model\.embeddings\.position_embedding\.weight$/, "visual.positional_embedding"],
  [/^vision_model\.embeddings\.patch_embedding\.weight$/, "visual.conv1.weight"],
  // CLIP spells it `pre_layrnorm` (a typo kept for compatibility), X-CLIP `pre_layernorm`.
  [/^vision_model\.pre_lay(?:er|r)norm\.(weight|bias)$/, "visual.ln_pre.$1"],
  [/^vision_model\.post_layernorm\.(weight|bias)$/, "visual.ln_post.$1"],
  [/^vision_model\.encoder\.layers\.(\d+)\.(.+)$/, (m) => layer("visual.transformer.resblocks", m)],
  [/^logit_scale$/, "logit_scale"],
  [/^prompts_visual_layernorm\.(weight|bias)$/, "prompts_visual_ln.$1"],
  [/^prompts_visual_projection$/, "prompts_visual_proj"],
  [/^mit\.position_embedding$/, "mit.positional_embedding"],
  [/^mit\.encoder\.layers\.(\d+)\.(.+)$/, (m) => layer("mit.resblocks", m)],
  [/^prompts_generator\.layernorm\.(weight|bias)$/, "prompts_generator.norm.$1"],
  [/^prompts_generator\.(alpha|decoder\..+)$/, "prompts_generator.$1"],
];

function layer(prefix: string, m: RegExpMatchArray): string | undefined {
  for (const [re, to] of LAYER) if (re.test(m[2])) return `${prefix}.${m[1]}.${m[2].replace(re, to)}`;
  return undefined;
}

const QKV = /^(.*)\.(self_attn|message_attn)\.([qkv])_proj\.(weight|bias)$/;
const TRANSPOSED: Record<string, string> = {
  "visual_projection.weight": "visual.proj",
  "text_projection.weight": "text_projection",
};

/** True when the names are Hugging Face's (their top-level modules are `text_model` / `vision_model`). */
function isHuggingFace(names: Iterable<string>): boolean {
  for (const n of names) if (/^(text_model|vision_model)\./.test(n) || n in TRANSPOSED) return true;
  return false;
}

export function mapHuggingFaceKeys(tensors: Map<string, HostTensor>): {
  tensors: Map<string, HostTensor>;
  mapped: boolean;
} {
  if (!isHuggingFace(tensors.keys())) return { tensors, mapped: false };
  const out = new Map<string, HostTensor>();
  const groups = new Map<string, Partial<Record<"q" | "k" | "v", [string, HostTensor]>>>();
  for (const [name, t] of tensors) {
    // position_ids are index buffers HF saved in older versions, not parameters.
    if (/\.position_ids$/.test(name)) continue;
    const qkv = QKV.exec(name);
    if (qkv) {
      // The packed name sits beside the output projection: rename that, then swap `out_proj.w` for `in_proj_w`.
      const key =
        rename(`${qkv[1]}.${qkv[2]}.out_proj.${qkv[4]}`)?.replace(/out_proj\.(weight|bias)$/, "in_proj_$1") ?? name;
      const g = groups.get(key) ?? {};
      g[qkv[3] as "q" | "k" | "v"] = [name, t];
      groups.set(key, g);
      continue;
    }
    if (name in TRANSPOSED) out.set(TRANSPOSED[name], transpose2d(t));
    else out.set(rename(name) ?? name, t);
  }
  for (const [key, g] of groups) {
    if (g.q && g.k && g.v) out.set(key, concatRows([g.q[1], g.k[1], g.v[1]]));
    else for (const part of Object.values(g)) out.set(part[0], part[1]); // incomplete: leave as found, coverage will say
  }
  return { tensors: out, mapped: true };
}

function rename(name: string): string | undefined {
  for (const [re, to] of TOP) {
    const m = name.match(re);
    if (m) return typeof to === "string" ? name.replace(re, to) : to(m);
  }
  return undefined;
}

/** Stack tensors along the first axis (q, k, v -> the packed in_proj). */
function concatRows(parts: HostTensor[]): HostTensor {
  const [first] = parts;
  const rows = parts.reduce((n, p) => n + (p.shape[0] ?? 1), 0);
  const data = allocTyped(
    first.dtype,
    parts.reduce((n, p) => n + p.data.length, 0),
  );
  const bytes = new Uint8Array(data.buffer);
  let at = 0;
  for (const p of parts) {
    bytes.set(bytesOf(p), at);
    at += p.data.byteLength;
  }
  return { dtype: first.dtype, shape: [rows, ...first.shape.slice(1)], data };
}

function transpose2d(t: HostTensor): HostTensor {
  const [r, c] = t.shape;
  const es = BYTES_PER_ELEMENT[t.dtype];
  const src = bytesOf(t);
  const data = allocTyped(t.dtype, t.data.length);
  const dst = new Uint8Array(data.buffer);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < c; j++) dst.set(src.subarray((i * c + j) * es, (i * c + j + 1) * es), (j * r + i) * es);
  return { dtype: t.dtype, shape: [c, r], data };
}
