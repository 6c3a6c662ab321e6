/**
 * An ONNX graph as a model file. Protobuf caps a message at 2 GB, so above that the initializers go to a
 * side file (`<model>.data`, ONNX external data) and the model keeps only their locations.
 */
import { basename, dirname, join } from "node:path";
import { writeFileAtomic } from "../../util/atomic-write.ts";
import { ONNX_IR_VERSION, OPSET, type OnnxGraph } from "./lower.ts";
import { externalTensorProto, graphProto, modelProto, tensorProto, type Msg } from "./proto.ts";

const LIMIT = 2 ** 31 - 2 ** 24; // under 2 GB, with room for the graph itself

function model(g: OnnxGraph, initializers: Msg[], metadata: Record<string, string>): Msg {
  return modelProto(graphProto(g.name, g.nodes, initializers, g.inputs, g.outputs), OPSET, ONNX_IR_VERSION, metadata);
}

/** The model with its weights inline (for ORT in memory); undefined when it would pass 2 GB. */
export function modelBytes(g: OnnxGraph, metadata: Record<string, string> = {}): Uint8Array | undefined {
  const weights = g.initializers.reduce((n, t) => n + t.data.length, 0);
  if (weights > LIMIT) return undefined;
  return model(
    g,
    g.initializers.map((t) => tensorProto(t.name, t.dtype, t.dims, t.data)),
    metadata,
  ).encode();
}

/** Write `path` (and `path.data` when the weights pass 2 GB) atomically, chunk by chunk. */
export function writeModel(
  path: string,
  g: OnnxGraph,
  metadata: Record<string, string> = {},
): { external?: string; bytes: number } {
  const weights = g.initializers.reduce((n, t) => n + t.data.length, 0);
  const external = weights > LIMIT ? `${basename(path)}.data` : undefined;
  let inits: Msg[];
  if (external) {
    let offset = 0;
    inits = g.initializers.map((t) => {
      const m = externalTensorProto(t.name, t.dtype, t.dims, external, offset, t.data.length);
      offset += t.data.length;
      return m;
    });
    writeFileAtomic(
      join(dirname(path), external),
      g.initializers.map((t) => t.data),
    );
  } else inits = g.initializers.map((t) => tensorProto(t.name, t.dtype, t.dims, t.data));
  const m = model(g, inits, metadata);
  writeFileAtomic(path, m.parts);
  return { external, bytes: m.size };
}
