/**
 * The weights campaign: mutants of real checkpoints (safetensors, torch zip, legacy, fp16, training layout,
 * strided views, the hostile set) through the loader that `--weights` uses. Each seed picks a base file and
 * a way to break it: bytes anywhere, the safetensors JSON header (shapes, offsets, dtypes rewritten, the
 * length kept consistent), the zip directory and end records, the pickle's opcodes, a truncation, or a
 * pickle declaring a huge tensor (10^12 elements as an expanded view, a storage of terabytes).
 * Every fifth seed (seed % 5 === 0) is a TorchScript archive instead (bench/fuzz/torchscript.ts: deflated
 * entries, bombs, code/, hostile module trees); the other seeds draw what they drew before those were added,
 * so the recorded seeds (9, 88, 2522, 3659, 4733; test/weights/fuzz-regressions.test.ts) replay the same files.
 */
import { readFileSync } from "node:fs";
import { decodeCheckpoint } from "../../src/runtime/weights/checkpoint.ts";
import { below, mutateBytes, pick, rng } from "../../test/helpers/mutate.ts";
import { torchSaveLegacy, torchSaveZip, type Py } from "../../test/weights/torch-writer.ts";
import type { Outcome } from "./outcome.ts";
import { torchScriptMutant } from "./torchscript.ts";

const BASES = [
  "test/fixtures/clip-tiny/weights.safetensors",
  "test/fixtures/clip-tiny/weights.pth",
  "test/fixtures/clip-tiny/weights-legacy.pth",
  "test/fixtures/clip-tiny/weights-fp16.pth",
  "test/fixtures/xclip-tiny-e64/checkpoint-official-layout.pth",
  "test/weights/fixtures/strided.pth",
  "test/weights/fixtures/strided-zip64.pth",
  "test/weights/fixtures/legacy-views.pth",
  "test/fixtures/hostile/evil-legacy.pth",
  "test/fixtures/hostile/evil-os-system.pth",
  "test/fixtures/hostile/shape-mismatch.safetensors",
];
const bases = BASES.map((f) => ({ file: f, bytes: new Uint8Array(readFileSync(f)) }));

const HUGE = [1e6, 1e12, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 4294967295, 0, 3];

/** A safetensors header rewritten: one tensor's shape, offsets or dtype changed, the length field kept right. */
function mutateHeader(bytes: Uint8Array, rand: () => number): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: number[] }
  >;
  const names = Object.keys(header).filter((k) => k !== "__metadata__");
  const t = header[pick(rand, names)];
  switch (below(rand, 5)) {
    case 0:
      t.shape = Array.from({ length: 1 + below(rand, 4) }, () => pick(rand, HUGE));
      break;
    case 1:
      t.shape = [1e6, 1e6];
      t.data_offsets = [0, 4e12];
      break; // 10^12 elements, offsets to match
    case 2:
      t.data_offsets = [pick(rand, HUGE), pick(rand, HUGE)];
      break;
    case 3:
      t.dtype = pick(rand, ["F32", "F16", "I64", "BOOL", "F8_E4M3", "C64", ""]);
      break;
    default:
      (header as Record<string, unknown>)[pick(rand, names)] = pick(rand, [null, [], "x", 7, { dtype: "F32" }]);
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}

/** Where a zip's data.pkl entry lies (its local header names it), to aim edits at the pickle. */
function pickleRange(bytes: Uint8Array): [number, number] {
  const name = Buffer.from("data.pkl");
  const at = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).indexOf(name);
  return at < 0 ? [0, Math.min(bytes.length, 4096)] : [at + name.length, Math.min(bytes.length, at + 200_000)];
}

/** A training-layout pickle that declares a huge tensor over a small storage: a bomb if copied blindly. */
function hugeDeclared(rand: () => number): Uint8Array {
  const small = { dtype: "f32" as const, shape: [4], data: new Float32Array(4) };
  const size = pick(rand, [[1e6, 1e6], [1e12], [2 ** 40, 1], [65536, 65536, 256]]);
  const stride = pick(rand, [
    size.map(() => 0),
    size.map((_, i) => (i === size.length - 1 ? 1 : 0)),
    size.map(() => 1),
  ]);
  const root: Py = {
    dict: [
      ["model", { ordered: [["w", { tensor: small, view: { size, stride } }]] }],
      ["epoch", 1],
    ],
  };
  return rand() < 0.5 ? torchSaveZip(root) : torchSaveLegacy(root);
}

export function weightsMutant(seed: number): { file: string; bytes: Uint8Array } {
  if (seed % 5 === 0) return torchScriptMutant(seed);
  const rand = rng(seed);
  const strategy = below(rand, 6);
  if (strategy === 5) return { file: `huge-declared-${seed}.pth`, bytes: hugeDeclared(rand) };
  const base = pick(rand, bases);
  const b = base.bytes;
  const isSafetensors = base.file.endsWith(".safetensors");
  const isZip = b[0] === 0x50;
  switch (strategy) {
    case 0:
      return { file: base.file, bytes: mutateBytes(b, rand) };
    case 1: // the structure that describes the data: a safetensors header, a zip's directory, a legacy pickle's head
      if (isSafetensors && rand() < 0.7) return { file: base.file, bytes: mutateHeader(b, rand) };
      return {
        file: base.file,
        bytes: isZip
          ? mutateBytes(b, rand, Math.max(0, b.length - 4096))
          : mutateBytes(b, rand, 0, Math.min(b.length, 65536)),
      };
    case 2: {
      // pickle opcodes
      const [from, to] = isZip ? pickleRange(b) : [0, Math.min(b.length, 200_000)];
      return { file: base.file, bytes: mutateBytes(b, rand, from, to) };
    }
    case 3:
      return { file: base.file, bytes: b.subarray(0, below(rand, b.length)) }; // truncation
    default:
      return { file: base.file, bytes: mutateBytes(b, rand, 0, b.length, 8 + below(rand, 24)) }; // many edits
  }
}

export function runWeightsCase(seed: number): Outcome {
  const { file, bytes } = weightsMutant(seed);
  decodeCheckpoint(bytes, file);
  return "accepted";
}
