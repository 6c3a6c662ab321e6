/**
 * A model's inputs among host tensors, checked as `mdl predict` checks them: tensors named `input.<name>` (other
 * tensors are ignored, so a fixture's io.safetensors works as is, but an `input.<name>` the model has no input
 * for is a warning: a misspelt name would otherwise go unnoticed). No file system: the playground checks the
 * inputs it was given here too; io-tensors.ts reads and writes the files around it for the CLI.
 */
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import { diag, fail, MdlError, type Diagnostic } from "../../compiler/diagnostics/diagnostic.ts";
import { bindSymbols } from "../backend/bind-symbols.ts";
import { engine } from "../backend/current.ts";
import type { Engine, Tensor } from "../backend/engine.ts";
import { countNonFinite } from "../weights/finite.ts";
import { isFloat, toFloat32, type HostTensor } from "../weights/tensor.ts";
import { checkTokenIds, placeOf } from "./token-ids.ts";

export const INPUT_PREFIX = "input.";

/** NaN or ±Inf in a float input would make every output NaN: an error naming the tensor and the first place. */
function assertFinite(name: string, t: HostTensor, file: string): void {
  const data = t.dtype === "f32" || t.dtype === "f64" ? (t.data as Float32Array | Float64Array) : toFloat32(t);
  const { nan, inf, first } = countNonFinite(data);
  if (nan + inf) fail("nonfinite_input", file, name, nan + inf, placeOf(name, first, t.shape), String(data[first]));
}

const SHOWN_UNKNOWN = 8;

/**
 * The model's inputs among host tensors, checked: a missing input, a wrong dtype or shape, a non-finite
 * value or a token id outside its embedding names `file`. `input.<name>` tensors the model has no input
 * for go to `notice` as one warning.
 */
export function hostModelInputs(
  ir: ModelIR,
  tensors: Map<string, HostTensor>,
  file: string,
  notice: (d: Diagnostic) => void = () => {},
): Record<string, HostTensor> {
  const host: Record<string, HostTensor> = {};
  for (const port of ir.graph.inputs) {
    const t = tensors.get(INPUT_PREFIX + port.name);
    if (!t) fail("input_missing", file, INPUT_PREFIX + port.name, file);
    const wantFloat = port.type.dtype === "f32";
    if (wantFloat !== isFloat(t.dtype) || t.dtype === "bool")
      fail("input_dtype", file, INPUT_PREFIX + port.name, wantFloat ? "a float tensor" : "an integer tensor", t.dtype);
    host[port.name] = t;
    if (wantFloat) assertFinite(INPUT_PREFIX + port.name, t, file);
    else checkTokenIds(ir, port.name, t.data as ArrayLike<number | bigint>, file, t.shape);
  }
  const known = new Set(ir.graph.inputs.map((p) => INPUT_PREFIX + p.name));
  const unknown = [...tensors.keys()].filter((k) => k.startsWith(INPUT_PREFIX) && !known.has(k)).sort();
  if (unknown.length)
    notice(diag("unknown_inputs", file, unknown.slice(0, SHOWN_UNKNOWN), Math.max(0, unknown.length - SHOWN_UNKNOWN)));
  try {
    bindSymbols(ir, host);
  } catch (err) {
    // The lowering places a shape error in the model file; here the inputs file is what is wrong.
    if (err instanceof MdlError) throw new MdlError({ ...err.diagnostic, file, span: undefined });
    throw err;
  }
  return host;
}

/** Host tensors -> the model's inputs on engine `e` (the current one by default), checked as hostModelInputs does. */
export function toModelInputs(
  ir: ModelIR,
  tensors: Map<string, HostTensor>,
  file: string,
  notice?: (d: Diagnostic) => void,
  e: Engine = engine(),
): Record<string, Tensor> {
  const host = hostModelInputs(ir, tensors, file, notice);
  const inputs: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(host)) inputs[name] = e.fromHost(t);
  return inputs;
}
