/**
 * An inputs file's `input.<port>` tensors as the model's inputs on an engine, checked as `mdl predict` checks
 * them where that needs no file system: a missing input, a token id outside its embedding, and the shapes
 * against the declared ones (bindSymbols). run/io-tensors.ts, which does the rest, reads files with node:fs.
 */
import type { ModelIR } from "../../../src/compiler/0-core/schema.ts";
import { fail } from "../../../src/compiler/diagnostics/diagnostic.ts";
import { bindSymbols } from "../../../src/runtime/backend/bind-symbols.ts";
import type { Engine, Tensor } from "../../../src/runtime/backend/engine.ts";
import { checkTokenIds } from "../../../src/runtime/run/token-ids.ts";
import { isFloat, type HostTensor } from "../../../src/runtime/weights/tensor.ts";

export function modelInputs(e: Engine, ir: ModelIR, tensors: Map<string, HostTensor>, file = "the inputs file"): Record<string, Tensor> {
  const host: Record<string, HostTensor> = {};
  for (const port of ir.graph.inputs) {
    const t = tensors.get(`input.${port.name}`);
    if (!t) fail("input_missing", file, `input.${port.name}`, file);
    if (!isFloat(t.dtype)) checkTokenIds(ir, port.name, t.data as ArrayLike<number | bigint>, file, t.shape);
    host[port.name] = t;
  }
  bindSymbols(ir, host);
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(host)) out[name] = e.fromHost(t);
  return out;
}
