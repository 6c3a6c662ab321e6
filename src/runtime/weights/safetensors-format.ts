/**
 * The safetensors format over bytes (no file system, so it runs in a browser):
 * 8-byte little-endian header length N, N bytes of JSON, then the data section.
 * Every offset in the header is relative to the data section.
 */
import { fail, invariant } from "../../compiler/diagnostics/diagnostic.ts";
import {
  BYTES_PER_ELEMENT,
  bytesOf,
  formatShape,
  numel,
  typedFromBytes,
  type HostDType,
  type HostTensor,
} from "./tensor.ts";

const TO_FILE: Record<HostDType, string> = {
  f32: "F32",
  f16: "F16",
  bf16: "BF16",
  f64: "F64",
  i64: "I64",
  i32: "I32",
  i16: "I16",
  i8: "I8",
  u8: "U8",
  bool: "BOOL",
};
const FROM_FILE = new Map(Object.entries(TO_FILE).map(([k, v]) => [v, k as HostDType]));

// The reference implementation refuses headers above 100 MB; a larger length field is corrupt, not a big model.
const MAX_HEADER = 100_000_000;

export function encodeSafetensors(tensors: Map<string, HostTensor>, metadata?: Record<string, string>): Uint8Array {
  const parts = safetensorsParts(tensors, metadata);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * The file as consecutive pieces: the length field with the header, then each tensor's bytes in place (no copy),
 * so a writer can stream gigabytes of weights without first concatenating them.
 */
export function safetensorsParts(tensors: Map<string, HostTensor>, metadata?: Record<string, string>): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const size = numel(t.shape) * BYTES_PER_ELEMENT[t.dtype];
    invariant(
      t.data.byteLength === size,
      `tensor \`${name}\` of shape ${formatShape(t.shape)} holds ${t.data.byteLength} bytes, not ${size}`,
    );
    header[name] = { dtype: TO_FILE[t.dtype], shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so the data section starts 8-byte aligned (readers can then view it in place).
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + padded);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.fill(0x20, 8);
  head.set(json, 8);
  return [head, ...[...tensors.values()].map(bytesOf)];
}

export function decodeSafetensors(
  bytes: Uint8Array,
  file: string,
): { tensors: Map<string, HostTensor>; metadata: Record<string, string> } {
  if (bytes.length < 8)
    fail("truncated", file, `${bytes.length} bytes, shorter than the 8-byte safetensors header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER))
    fail(
      "corrupt",
      file,
      `the header length field says ${n} bytes (the limit is 100 MB; the file has ${bytes.length})`,
    );
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length)
    fail("truncated", file, `the header needs ${headerLen} bytes but only ${bytes.length - 8} follow the length field`);

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (err) {
    fail("corrupt", file, `the header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header))
    fail("corrupt", file, "the header is not a JSON object");

  const data = bytes.subarray(8 + headerLen);
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: HostDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof raw !== "object" || raw === null || Array.isArray(raw))
        fail("corrupt", file, "`__metadata__` is not an object");
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== "string") fail("corrupt", file, `metadata \`${k}\` is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(name, raw, file));
  }

  // Check sizes, bounds and overlaps before touching any data.
  for (const e of entries) {
    const need = numel(e.shape) * BYTES_PER_ELEMENT[e.dtype];
    if (e.end - e.begin !== need)
      fail(
        "corrupt",
        file,
        `tensor \`${e.name}\`: shape ${formatShape(e.shape)} of ${TO_FILE[e.dtype]} needs ` +
          `${need} bytes but data_offsets [${e.begin}, ${e.end}] give ${e.end - e.begin}`,
      );
    if (e.end > data.length)
      fail(
        "truncated",
        file,
        `tensor \`${e.name}\` needs bytes ${e.begin}..${e.end} of the data section, which has only ${data.length} bytes`,
      );
  }
  // Empty tensors occupy no bytes and cannot overlap anything.
  const byStart = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1, last = byStart[0]; i < byStart.length; i++) {
    const cur = byStart[i];
    if (cur.begin < last.end)
      fail(
        "corrupt",
        file,
        `tensors \`${last.name}\` and \`${cur.name}\` overlap (bytes ${cur.begin}..${Math.min(last.end, cur.end)})`,
      );
    if (cur.end > last.end) last = cur;
  }

  const tensors = new Map<string, HostTensor>();
  for (const e of entries)
    tensors.set(e.name, {
      dtype: e.dtype,
      shape: e.shape,
      data: typedFromBytes(e.dtype, data.subarray(e.begin, e.end)),
    });
  return { tensors, metadata };
}

function parseEntry(name: string, raw: unknown, file: string) {
  if (typeof raw !== "object" || raw === null) fail("corrupt", file, `header entry \`${name}\` is not an object`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== "string") fail("corrupt", file, `tensor \`${name}\` has no dtype`);
  const d = FROM_FILE.get(dtype);
  if (!d) fail("unsupported_dtype", file, dtype);
  const isIndex = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
  if (!Array.isArray(shape) || !shape.every(isIndex))
    fail("corrupt", file, `tensor \`${name}\` has an invalid shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1])
    fail("corrupt", file, `tensor \`${name}\` has invalid data_offsets ${JSON.stringify(offsets)}`);
  return { name, dtype: d, shape: shape as number[], begin: offsets[0] as number, end: offsets[1] as number };
}
