/**
 * IR -> an ONNX graph (opset 17). Reads only the IR: each node goes through its kernel (kernels.ts);
 * parameters become initializers (linear weights laid out [in, out] once, so MatMul needs no Transpose);
 * batch symbols stay dynamic dims (dim_param) unless `fixed` binds them. Node and value names start with
 * the node's scope, the module path, so a node in Netron or an ORT profile leads back to its module.
 */
import type { Dim, DType, ModelIR, Node } from "../../compiler/0-core/schema.ts";
import { equal, evalDim, format, parse, type Poly } from "../../compiler/0-core/dim.ts";
import { fail, invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { hasKernel, isUnsupported, kernelFor } from "../../compiler/ops/kernels.ts";
import { decompose } from "../../compiler/5-train/decompose.ts";
import { traitsOf } from "../../compiler/ops/table.ts";
import { initValues, seededRandom } from "../weights/init-values.ts";
import { onnxKernels, type OnnxContext } from "./kernels.ts";
import { nodeProto, valueInfo, type AttrValue, type Msg } from "./proto.ts";
import { rawBytes } from "./raw.ts";

export const OPSET = 17;
/** ONNX IR version 8 goes with opset 17 (onnx 1.12 and every later checker accept it). */
export const ONNX_IR_VERSION = 8;

export interface Initializer {
  name: string;
  dtype: DType;
  dims: number[];
  data: Uint8Array;
}

export interface OnnxGraph {
  name: string;
  nodes: Msg[];
  initializers: Initializer[];
  inputs: Msg[];
  outputs: Msg[];
  /** The ONNX value name of each node id of the IR given (a decomposed node: its decomposition's value). */
  valueOf: Map<number, string>;
}

export interface TorchTensor {
  shape: number[];
  data: Float32Array;
}

export interface LowerOptions {
  /** Parameters in torch layout by path; the others start from their declared init, seeded. */
  weights?: ReadonlyMap<string, TorchTensor>;
  seed?: number;
  /** Values for the batch symbols: every shape becomes static. */
  fixed?: Readonly<Record<string, number>>;
  /**
   * Parameters as graph inputs named by path, in torch's layout, instead of initializers: a training step's
   * parameters change every step and stay in the caller's buffers.
   */
  paramsAsInputs?: boolean;
  /** IR values also returned, e.g. intermediates a test compares. */
  extraOutputs?: readonly { name: string; node: number }[];
}

/** Linear weights whose every use is a linear layer's weight: exported transposed, [in, out]. */
function laidParams(ir: ModelIR, extra: readonly number[]): Set<number> {
  const outs = new Set([...ir.graph.outputs.map((o) => o.value), ...extra]);
  const asWeight = new Map<number, boolean>();
  for (const n of ir.graph.nodes)
    n.args.forEach((a, i) =>
      asWeight.set(a, (asWeight.get(a) ?? true) && traitsOf(n.op).weight === "linear" && i === 1),
    );
  const laid = new Set<number>();
  for (const n of ir.graph.nodes) if (n.op === "param" && !outs.has(n.id) && asWeight.get(n.id)) laid.add(n.id);
  return laid;
}

function transpose2d(t: TorchTensor): Float32Array {
  const [r, c] = t.shape;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j];
  return out;
}

export function lowerToOnnx(source: ModelIR, opts: LowerOptions = {}): OnnxGraph {
  // ops without a kernel here (attention and its causal mask, gelu) are lowered through their decompositions
  const { ir, idOf } = decompose(source, (op) => hasKernel(onnxKernels, op));
  const fixed = opts.fixed;
  const dimOf = (d: Dim): Dim => (fixed && typeof d === "string" ? evalDim(d, fixed) : d);
  const shapeOf = (s: readonly Dim[]) => s.map(dimOf);
  const extra = (opts.extraOutputs ?? []).map((e) => ({ ...e, node: idOf[e.node] }));
  const laid = opts.paramsAsInputs
    ? new Set<number>()
    : laidParams(
        ir,
        extra.map((e) => e.node),
      );
  const paramInputs: Msg[] = [];
  const asInput = new Set<string>();
  const byId = new Map<number, Node>(ir.graph.nodes.map((n) => [n.id, n]));
  const nodes: Msg[] = [];
  const initializers: Initializer[] = [];
  const valueOf = new Map<number, string>();
  let constants = 0;

  const constant = (dtype: DType, dims: number[], values: ArrayLike<number>): string => {
    const name = `constant/${constants++}`;
    initializers.push({ name, dtype, dims, data: rawBytes(dtype, values) });
    return name;
  };

  // Each batch symbol read from the first input dim that is exactly that symbol, as int64 [1].
  const symbolValue = new Map<string, string>();
  const symbol = (s: string): string => {
    const hit = symbolValue.get(s);
    if (hit) return hit;
    for (const port of ir.graph.inputs) {
      const i = port.type.shape.findIndex((d) => d === s);
      if (i < 0) continue;
      const name = `shape_of/${s}`;
      nodes.push(nodeProto("Shape", [port.name], [name], name, { start: i, end: i + 1 }));
      symbolValue.set(s, name);
      return name;
    }
    invariant(false, `no input binds the dimension symbol ${s}`);
  };
  // A polynomial over the symbols as int64 [1], computed once per distinct polynomial.
  const polyValue = new Map<string, string>();
  const poly = (p: Poly): string => {
    const key = format(p);
    const hit = polyValue.get(key);
    if (hit) return hit;
    let sum: string | undefined;
    let k = 0;
    const emit = (op: string, inputs: string[]) => {
      const name = `dim/${key}/${k++}`;
      nodes.push(nodeProto(op, inputs, [name], name));
      return name;
    };
    for (const [mono, coef] of p) {
      let term: string | undefined = mono ? undefined : constant("i64", [1], [coef]);
      for (const s of mono ? mono.split("*") : []) term = term ? emit("Mul", [term, symbol(s)]) : symbol(s);
      if (mono && coef !== 1) term = emit("Mul", [term!, constant("i64", [1], [coef])]);
      sum = sum ? emit("Add", [sum, term!]) : term;
    }
    polyValue.set(key, sum!);
    return sum!;
  };
  const dims = (shape: readonly Dim[]): string => {
    const ds = shapeOf(shape);
    if (ds.every((d) => typeof d === "number")) return constant("i64", [ds.length], ds as number[]);
    const pieces: string[] = [];
    let run: number[] = [];
    const flush = () => run.length && (pieces.push(constant("i64", [run.length], run)), (run = []));
    for (const d of ds) {
      if (typeof d === "number") run.push(d);
      else {
        flush();
        pieces.push(poly(parse(d)));
      }
    }
    flush();
    const name = `dims_${constants++}`;
    nodes.push(nodeProto("Concat", pieces, [name], name, { axis: 0 }));
    return name;
  };

  // Leaves first: inputs by port name, parameters by path.
  for (const n of ir.graph.nodes) {
    if (n.op === "input") valueOf.set(n.id, n.attrs.name as string);
    if (n.op !== "param") continue;
    const path = n.attrs.path as string;
    valueOf.set(n.id, path);
    if (initializers.some((t) => t.name === path) || asInput.has(path)) continue;
    const p = ir.params.find((x) => x.path === path);
    invariant(p, `param node ${n.id} names no parameter ${path}`);
    if (opts.paramsAsInputs) {
      asInput.add(path);
      paramInputs.push(valueInfo(path, "f32", p.shape));
      continue;
    }
    const size = p.shape.reduce((a, d) => a * d, 1);
    const given = opts.weights?.get(path);
    invariant(
      !given || given.shape.join() === p.shape.join(),
      `${path}: weights of shape [${given?.shape}] for [${p.shape}]`,
    );
    const t = { shape: p.shape, data: given?.data ?? initValues(p.init, size, seededRandom(opts.seed ?? 0, path)) };
    const isLaid = laid.has(n.id);
    const data = isLaid ? transpose2d(t) : t.data;
    initializers.push({
      name: path,
      dtype: "f32",
      dims: isLaid ? [p.shape[1], p.shape[0]] : [...p.shape],
      data: rawBytes("f32", data),
    });
  }

  for (const node of ir.graph.nodes) {
    if (node.op === "input" || node.op === "param") continue;
    const base = `${node.scope ? node.scope + "/" : ""}${node.op}_${node.id}`;
    let helpers = 0;
    const ctx: OnnxContext = {
      node,
      args: node.args.map((a) => valueOf.get(a)!),
      out: base,
      argType: (i) => {
        const t = byId.get(node.args[i])!.type;
        return { dtype: t.dtype, shape: shapeOf(t.shape) };
      },
      laid: (i) => laid.has(node.args[i]),
      emit(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, out?: string) {
        const name = out ?? `${base}/${helpers++}`;
        nodes.push(nodeProto(op, inputs, [name], name, attrs));
        return name;
      },
      constant,
      dims,
      resolved: shapeOf,
      same: (a, b) => {
        const [x, y] = [dimOf(a), dimOf(b)];
        return typeof x === "number" && typeof y === "number" ? x === y : equal(parse(x), parse(y));
      },
      file: ir.file,
    };
    const kernel = kernelFor(onnxKernels, node.op);
    if (isUnsupported(kernel)) fail("unsupported_op", ir.file, node.op, `ONNX (${kernel.unsupported})`);
    kernel(node, ctx);
    valueOf.set(node.id, base);
  }

  const outputs: Msg[] = [];
  const ports = [...ir.graph.outputs.map((o) => ({ name: o.name, node: o.value })), ...extra];
  for (const { name, node } of ports) {
    nodes.push(nodeProto("Identity", [valueOf.get(node)!], [name], `output/${name}`));
    const t = byId.get(node)!.type;
    outputs.push(valueInfo(name, t.dtype, shapeOf(t.shape)));
  }
  const inputs = [
    ...ir.graph.inputs.map((p) => valueInfo(p.name, p.type.dtype, shapeOf(p.type.shape))),
    ...paramInputs,
  ];
  return {
    name: ir.model,
    nodes,
    initializers,
    inputs,
    outputs,
    valueOf: new Map(source.graph.nodes.map((n) => [n.id, valueOf.get(idOf[n.id])!])),
  };
}
