/**
 * One entry point for every checkpoint: detect the format from the bytes, decode, then normalise
 * (training wrapper, DDP prefix, Hugging Face names, floats to f32) and say what was done.
 */
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { nonFiniteTensors, type NonFinite } from "./finite.ts";
import { mapHuggingFaceKeys } from "./hf.ts";
import { decodePthDetailed, type TrainingWrapper } from "./pth.ts";
import { decodeSafetensors } from "./safetensors-format.ts";
import { isFloat, toFloat32, type HostDType, type HostTensor } from "./tensor.ts";

export type CheckpointFormat = "safetensors" | "pth-zip" | "pth-legacy" | "torchscript";

/** A file's identity as stat gives it, in decimal strings (see file-digest.ts, which reads it; this file stays browser-safe). */
export interface FileIdentity {
  path: string;
  dev: string;
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
}

/** How the file spelt the names: the official OpenAI / X-CLIP ones, or Hugging Face transformers' (mapped on load). */
export type NameLayout = "official" | "hugging-face";

export interface Checkpoint {
  file: string;
  format: CheckpointFormat;
  /** Floats converted to f32, integers kept. */
  tensors: Map<string, HostTensor>;
  sourceDtypes: Map<string, HostDType>;
  notes: string[];
  /** The float tensors holding NaN or ±Inf (counted once, at load); commands report them (finite.ts). */
  nonFinite?: NonFinite[];
  /** The names' layout in the file, before any mapping. */
  layout: NameLayout;
  /** A training checkpoint's entry that held the state dict, and the entries beside it (open_clip: epoch, name, optimizer, scaler). */
  wrapper?: TrainingWrapper;
  /** safetensors `__metadata__` (transformers writes `format: pt`). */
  metadata?: Record<string, string>;
  /** How many files the tensors came from (a sharded checkpoint has several). */
  shards?: number;
  /** The file's identity when it was read (file-digest.ts), when read from a file that did not change meanwhile. */
  identity?: FileIdentity;
}

/** One file decoded, names as stored: what sharded checkpoints merge before normalising. */
export interface RawCheckpoint {
  file: string;
  format: CheckpointFormat;
  tensors: Map<string, HostTensor>;
  notes: string[];
  wrapper?: TrainingWrapper;
  metadata?: Record<string, string>;
}

export function detectFormat(bytes: Uint8Array, file: string): CheckpointFormat {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5))
    return "pth-zip";
  // safetensors: a little-endian length whose JSON header starts right after it.
  if (bytes.length >= 9 && bytes[8] === 0x7b) return "safetensors";
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) return "pth-legacy";
  const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  fail(
    "unknown_format",
    file,
    bytes.length
      ? `unrecognised leading bytes ${head} (expected safetensors, or a PyTorch zip or legacy pickle)`
      : "the file is empty",
  );
}

export function decodeCheckpoint(bytes: Uint8Array, file: string): Checkpoint {
  return normaliseCheckpoint(decodeRawCheckpoint(bytes, file));
}

export function decodeRawCheckpoint(bytes: Uint8Array, file: string): RawCheckpoint {
  const format = detectFormat(bytes, file);
  if (format === "safetensors") {
    const { tensors, metadata } = decodeSafetensors(bytes, file);
    const notes: string[] = [];
    // transformers and safetensors.torch write `pt`; other frameworks' files may lay tensors out their own way.
    if (metadata.format && metadata.format !== "pt")
      notes.push(`the file says it was written for \`${metadata.format}\`; names and layouts are read as PyTorch's`);
    return { file, format, tensors, notes, ...(Object.keys(metadata).length ? { metadata } : {}) };
  }
  const pth = decodePthDetailed(bytes, file);
  return {
    file,
    format: pth.format,
    tensors: pth.tensors,
    notes: [...pth.notes],
    ...(pth.wrapper ? { wrapper: pth.wrapper } : {}),
  };
}

/** Training wrapper and DDP prefix off, Hugging Face names mapped, floats widened to f32; each step noted; non-finite values counted. */
export function normaliseCheckpoint(rawCkpt: RawCheckpoint, shards?: number): Checkpoint {
  const { file, format, notes: given, wrapper, metadata } = rawCkpt;
  const notes = [...given];
  let raw = rawCkpt.tensors;

  // DistributedDataParallel saves every name under `module.`.
  const names = [...raw.keys()];
  if (names.length && names.every((n) => n.startsWith("module."))) {
    raw = new Map([...raw].map(([k, v]) => [k.slice("module.".length), v]));
    notes.push("removed the DistributedDataParallel prefix `module.` from every name");
  }

  const hf = mapHuggingFaceKeys(raw);
  if (hf.mapped) {
    notes.push(
      "mapped Hugging Face transformers names to the official ones (q/k/v merged into in_proj, projections transposed)",
    );
    raw = hf.tensors;
  }

  const tensors = new Map<string, HostTensor>();
  const sourceDtypes = new Map<string, HostDType>();
  const converted = new Set<HostDType>();
  for (const [name, t] of raw) {
    sourceDtypes.set(name, t.dtype);
    if (isFloat(t.dtype) && t.dtype !== "f32") {
      converted.add(t.dtype);
      tensors.set(name, { dtype: "f32", shape: t.shape, data: toFloat32(t) });
    } else tensors.set(name, t);
  }
  if (converted.size) notes.push(`converted ${[...converted].join(", ")} tensors to f32`);
  return {
    file,
    format,
    tensors,
    sourceDtypes,
    notes,
    nonFinite: nonFiniteTensors(tensors),
    layout: hf.mapped ? "hugging-face" : "official",
    ...(wrapper ? { wrapper } : {}),
    ...(metadata ? { metadata } : {}),
    ...(shards ? { shards } : {}),
  };
}

export function shapesOf(ckpt: Checkpoint): Map<string, number[]> {
  return new Map([...ckpt.tensors].map(([k, t]) => [k, t.shape]));
}
