/**
 * The few ONNX protobuf messages an exported model needs, written by hand (onnx.proto3, field numbers
 * from the ONNX repository). A message is built bottom-up as a list of byte chunks with its total size,
 * so large initializers are placed in the file once, never copied into intermediate buffers.
 */

/** A protobuf message under construction: chunks in order and their summed length. */
export class Msg {
  readonly parts: Uint8Array[] = [];
  size = 0;

  private push(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
  private tag(field: number, wire: number): this {
    return this.push(varint(BigInt(field * 8 + wire)));
  }
  /** A varint field (int64, int32, enum); negative numbers take ten bytes, as protobuf encodes them. */
  int(field: number, v: number | bigint): this {
    const x = BigInt(v);
    return this.tag(field, 0).push(varint(x < 0n ? x + (1n << 64n) : x));
  }
  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.tag(field, 5).push(b);
  }
  bytes(field: number, b: Uint8Array): this {
    return this.tag(field, 2)
      .push(varint(BigInt(b.length)))
      .push(b);
  }
  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  message(field: number, m: Msg): this {
    this.tag(field, 2).push(varint(BigInt(m.size)));
    for (const p of m.parts) this.push(p);
    return this;
  }
  /** Repeated int64 as one packed field. */
  packedInts(field: number, vs: readonly (number | bigint)[]): this {
    const inner = new Msg();
    for (const v of vs) {
      const x = BigInt(v);
      inner.push(varint(x < 0n ? x + (1n << 64n) : x));
    }
    return this.message(field, inner);
  }
  /** The whole message as one buffer. */
  encode(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function varint(x: bigint): Uint8Array {
  const out: number[] = [];
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x > 0n) byte |= 0x80;
    out.push(byte);
  } while (x > 0n);
  return Uint8Array.from(out);
}

/** TensorProto.DataType */
export const ElemType = { f32: 1, i32: 6, i64: 7, bool: 9 } as const;
export type OnnxDType = keyof typeof ElemType;

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] } | { tensor: Msg };

/** NodeProto: input 1, output 2, name 3, op_type 4, attribute 5. */
export function nodeProto(
  op: string,
  inputs: readonly string[],
  outputs: readonly string[],
  name: string,
  attrs: Record<string, AttrValue> = {},
): Msg {
  const m = new Msg();
  for (const i of inputs) m.string(1, i);
  for (const o of outputs) m.string(2, o);
  m.string(3, name).string(4, op);
  for (const [k, v] of Object.entries(attrs)) m.message(5, attributeProto(k, v));
  return m;
}

/** AttributeProto: name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7). */
function attributeProto(name: string, v: AttrValue): Msg {
  const m = new Msg().string(1, name);
  if (typeof v === "number") return m.int(3, v).int(20, 2);
  if (typeof v === "string") return m.string(4, v).int(20, 3);
  if (Array.isArray(v)) return m.packedInts(8, v).int(20, 7);
  if ("float" in v) return m.float(2, v.float).int(20, 1);
  if ("floats" in v) {
    for (const f of v.floats) m.float(7, f);
    return m.int(20, 6);
  }
  return m.message(5, v.tensor).int(20, 4);
}

/** TensorProto: dims 1, data_type 2, name 8, raw_data 9, external_data 13, data_location 14. */
export function tensorProto(name: string, dtype: OnnxDType, dims: readonly number[], raw: Uint8Array): Msg {
  const m = new Msg().packedInts(1, dims).int(2, ElemType[dtype]);
  if (name) m.string(8, name);
  return m.bytes(9, raw);
}

/** A tensor whose bytes live in a side file (data_location EXTERNAL = 1). */
export function externalTensorProto(
  name: string,
  dtype: OnnxDType,
  dims: readonly number[],
  location: string,
  offset: number,
  length: number,
): Msg {
  const m = new Msg().packedInts(1, dims).int(2, ElemType[dtype]).string(8, name);
  const entry = (k: string, v: string) => new Msg().string(1, k).string(2, v);
  m.message(13, entry("location", location))
    .message(13, entry("offset", String(offset)))
    .message(13, entry("length", String(length)));
  return m.int(14, 1);
}

/** ValueInfoProto name 1, type 2 -> TypeProto tensor_type 1 -> elem_type 1, shape 2 -> dim 1 (dim_value 1 | dim_param 2). */
export function valueInfo(name: string, dtype: OnnxDType, shape: readonly (number | string)[]): Msg {
  const dims = new Msg();
  for (const d of shape) dims.message(1, typeof d === "number" ? new Msg().int(1, d) : new Msg().string(2, d));
  const tensor = new Msg().int(1, ElemType[dtype]).message(2, dims);
  return new Msg().string(1, name).message(2, new Msg().message(1, tensor));
}

/** GraphProto: node 1, name 2, initializer 5, doc_string 10, input 11, output 12. */
export function graphProto(name: string, nodes: Msg[], initializers: Msg[], inputs: Msg[], outputs: Msg[]): Msg {
  const g = new Msg();
  for (const n of nodes) g.message(1, n);
  g.string(2, name);
  for (const t of initializers) g.message(5, t);
  for (const i of inputs) g.message(11, i);
  for (const o of outputs) g.message(12, o);
  return g;
}

/** ModelProto: ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8 (domain 1, version 2), metadata_props 14. */
export function modelProto(graph: Msg, opset: number, irVersion: number, metadata: Record<string, string> = {}): Msg {
  const m = new Msg()
    .int(1, irVersion)
    .string(2, "mdl")
    .string(3, "1")
    .message(7, graph)
    .message(8, new Msg().string(1, "").int(2, opset));
  for (const [k, v] of Object.entries(metadata)) m.message(14, new Msg().string(1, k).string(2, v));
  return m;
}
