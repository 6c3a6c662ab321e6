import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mapHuggingFaceKeys } from "../../src/runtime/weights/hf.ts";
import { loadCheckpoint } from "../../src/runtime/weights/load.ts";
import { readSafetensors, writeSafetensors } from "../../src/runtime/weights/safetensors.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";
import { FIXTURES, assertSameTensors } from "./helpers.ts";

/**
 * Official -> Hugging Face, written here independently of src/runtime/weights/hf.ts, following what
 * transformers' convert_x_clip_original_pytorch_to_hf.py and modeling_(x_)clip.py do.
 */
function toHuggingFace(sd: Map<string, HostTensor>, preLayerNorm: string): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  const stacks: [string, string][] = [
    ["visual.transformer.resblocks.", "vision_model.encoder.layers."],
    ["transformer.resblocks.", "text_model.encoder.layers."],
    ["mit.resblocks.", "mit.encoder.layers."],
  ];
  const whole: Record<string, string> = {
    "token_embedding.weight": "text_model.embeddings.token_embedding.weight",
    positional_embedding: "text_model.embeddings.position_embedding.weight",
    "ln_final.weight": "text_model.final_layer_norm.weight",
    "ln_final.bias": "text_model.final_layer_norm.bias",
    "visual.class_embedding": "vision_model.embeddings.class_embedding",
    "visual.positional_embedding": "vision_model.embeddings.position_embedding.weight",
    "visual.conv1.weight": "vision_model.embeddings.patch_embedding.weight",
    "visual.ln_pre.weight": `vision_model.${preLayerNorm}.weight`,
    "visual.ln_pre.bias": `vision_model.${preLayerNorm}.bias`,
    "visual.ln_post.weight": "vision_model.post_layernorm.weight",
    "visual.ln_post.bias": "vision_model.post_layernorm.bias",
    "prompts_visual_ln.weight": "prompts_visual_layernorm.weight",
    "prompts_visual_ln.bias": "prompts_visual_layernorm.bias",
    prompts_visual_proj: "prompts_visual_projection",
    "mit.positional_embedding": "mit.position_embedding",
    "prompts_generator.norm.weight": "prompts_generator.layernorm.weight",
    "prompts_generator.norm.bias": "prompts_generator.layernorm.bias",
  };
  for (const [name, t] of sd) {
    if (name === "visual.proj") out.set("visual_projection.weight", transpose(t));
    else if (name === "text_projection") out.set("text_projection.weight", transpose(t));
    else if (whole[name]) out.set(whole[name], t);
    else {
      const stack = stacks.find(([official]) => name.startsWith(official));
      if (!stack) {
        out.set(name, t); // logit_scale, prompts_generator.alpha / decoder.*: same name in both
        continue;
      }
      const [n, ...rest] = name.slice(stack[0].length).split(".");
      let tail = rest.join(".");
      const packed = /^(attn|message_attn)\.in_proj_(weight|bias)$/.exec(tail);
      if (packed) {
        const attn = packed[1] === "attn" ? "self_attn" : "message_attn";
        const d = t.shape[0] / 3;
        ["q", "k", "v"].forEach((p, i) => out.set(`${stack[1]}${n}.${attn}.${p}_proj.${packed[2]}`, rows(t, i * d, d)));
        continue;
      }
      tail = tail
        .replace(/^attn\.out_proj/, "self_attn.out_proj")
        .replace("ln_1", "layer_norm1")
        .replace("ln_2", "layer_norm2")
        .replace("mlp.c_fc", "mlp.fc1")
        .replace("mlp.c_proj", "mlp.fc2");
      out.set(`${stack[1]}${n}.${tail}`, t);
    }
  }
  return out;
}

function rows(t: HostTensor, start: number, count: number): HostTensor {
  const per = t.data.length / t.shape[0];
  return {
    dtype: t.dtype,
    shape: [count, ...t.shape.slice(1)],
    data: (t.data as Float32Array).slice(start * per, (start + count) * per),
  };
}

function transpose(t: HostTensor): HostTensor {
  const [r, c] = t.shape;
  const src = t.data as Float32Array;
  const data = new Float32Array(r * c);
  for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) data[j * r + i] = src[i * c + j];
  return { dtype: t.dtype, shape: [c, r], data };
}

for (const [dir, preLn] of [
  ["clip-tiny", "pre_layrnorm"],
  ["xclip-tiny-e64", "pre_layernorm"],
  ["xclip-tiny-mixed", "pre_layernorm"],
]) {
  test(`${dir}: Hugging Face names (${preLn}) map back to every official tensor, bit for bit`, () => {
    const official = readSafetensors(`${FIXTURES}/${dir}/weights.safetensors`).tensors;
    const hf = toHuggingFace(official, preLn);
    hf.set("text_model.embeddings.position_ids", {
      dtype: "i64",
      shape: [1, 3],
      data: new BigInt64Array([0n, 1n, 2n]),
    });
    // The inverse really produced HF names: no official layer name is left over.
    assert.ok(hf.has("vision_model.encoder.layers.0.self_attn.q_proj.weight"));
    assert.ok(![...hf.keys()].some((k) => /resblocks|in_proj|ln_\d|c_fc/.test(k)), [...hf.keys()].join(" "));
    const proj = official.get("visual.proj")!;
    assert.equal(hf.get("visual_projection.weight")!.shape, [proj.shape[1], proj.shape[0]]);
    if (dir !== "clip-tiny") {
      for (const k of [
        "mit.encoder.layers.0.self_attn.k_proj.bias",
        "vision_model.encoder.layers.1.message_attn.v_proj.weight",
        "prompts_generator.layernorm.weight",
        "prompts_visual_projection",
      ])
        assert.ok(hf.has(k), k);
    }

    const back = mapHuggingFaceKeys(hf);
    assert.ok(back.mapped);
    assertSameTensors(back.tensors, official, dir);
  });
}

test("official names are left alone", () => {
  const official = readSafetensors(`${FIXTURES}/xclip-tiny-e64/weights.safetensors`).tensors;
  const r = mapHuggingFaceKeys(official);
  assert.not.ok(r.mapped);
  assert.is(r.tensors, official);
});

test("loadCheckpoint maps an HF-named file and says so", () => {
  const dir = mkdtempSync(join(tmpdir(), "mdl-hf-"));
  try {
    const official = readSafetensors(`${FIXTURES}/xclip-tiny-e64/weights.safetensors`).tensors;
    const path = join(dir, "model.safetensors");
    writeSafetensors(path, toHuggingFace(official, "pre_layernorm"));
    const ckpt = loadCheckpoint(path);
    assert.is(ckpt.format, "safetensors");
    assert.equal(ckpt.notes, [
      "mapped Hugging Face transformers names to the official ones (q/k/v merged into in_proj, projections transposed)",
    ]);
    assertSameTensors(ckpt.tensors, official, "loaded");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
