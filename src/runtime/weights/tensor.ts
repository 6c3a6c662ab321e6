/**
 * Host-side tensors: what checkpoints hold before anything reaches a backend.
 * Pure TypeScript over typed arrays, so the whole weights core also runs in a browser.
 */

export type HostDType = "f32" | "f16" | "bf16" | "f64" | "i64" | "i32" | "i16" | "i8" | "u8" | "bool";

export type HostData =
  Float32Array | Float64Array | Int32Array | BigInt64Array | Int16Array | Int8Array | Uint8Array | Uint16Array;

/** f16 and bf16 keep their raw bits in a Uint16Array; bool is one byte per element. */
export interface HostTensor {
  dtype: HostDType;
  shape: number[];
  data: HostData;
}

export const BYTES_PER_ELEMENT: Record<HostDType, number> = {
  f32: 4,
  f16: 2,
  bf16: 2,
  f64: 8,
  i64: 8,
  i32: 4,
  i16: 2,
  i8: 1,
  u8: 1,
  bool: 1,
};

export const isFloat = (d: HostDType) => d === "f32" || d === "f16" || d === "bf16" || d === "f64";

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/**
 * View little-endian bytes as a typed array of `dtype`. Always copies: the source may be a Node pooled
 * Buffer or a slice of a file at an odd offset, and typed arrays need an aligned, owned buffer.
 */
export function typedFromBytes(dtype: HostDType, bytes: Uint8Array): HostData {
  // `new Uint8Array(x)` copies; `.slice()` would not on a Node Buffer (Buffer#slice is a view).
  const buf = new Uint8Array(bytes).buffer;
  switch (dtype) {
    case "f32":
      return new Float32Array(buf);
    case "f64":
      return new Float64Array(buf);
    case "f16":
    case "bf16":
      return new Uint16Array(buf);
    case "i64":
      return new BigInt64Array(buf);
    case "i32":
      return new Int32Array(buf);
    case "i16":
      return new Int16Array(buf);
    case "i8":
      return new Int8Array(buf);
    case "u8":
    case "bool":
      return new Uint8Array(buf);
  }
}

export function allocTyped(dtype: HostDType, n: number): HostData {
  return typedFromBytes(dtype, new Uint8Array(n * BYTES_PER_ELEMENT[dtype]));
}

/** The bytes of a tensor's data, without copying. */
export function bytesOf(t: HostTensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

// One shared scratch word for the bit casts below.
const scratch = new DataView(new ArrayBuffer(4));

/** IEEE 754 binary16 bits -> number, exact (every f16 value is representable in f32). */
export function f16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** bfloat16 is the top half of an f32, so widening is a shift. */
export function bf16BitsToNumber(b: number): number {
  scratch.setUint32(0, (b & 0xffff) << 16);
  return scratch.getFloat32(0);
}

// Every f16 value, decoded once: a lookup is ~50x faster than decoding bits per element on big checkpoints.
let table: Float32Array | undefined;
function f16Table(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = f16BitsToNumber(h);
  }
  return table;
}

/** Any tensor as float32 values (int64 beyond 2^24 loses precision, as it would in any f32 cast). */
export function toFloat32(t: HostTensor): Float32Array {
  const { data } = t;
  if (t.dtype === "f32") return data as Float32Array;
  const out = new Float32Array(data.length);
  if (t.dtype === "f16") {
    const table = f16Table();
    for (let i = 0; i < out.length; i++) out[i] = table[data[i] as number];
  } else if (t.dtype === "bf16") {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < out.length; i++) bits[i] = (data[i] as number) << 16;
  } else if (t.dtype === "i64") for (let i = 0; i < out.length; i++) out[i] = Number(data[i]);
  else for (let i = 0; i < out.length; i++) out[i] = data[i] as number;
  return out;
}
