/**
 * An engine's own error from inside a kernel (tfjs: `GatherV2: the index value ... is not in [0, 511]`)
 * becomes a catalogued diagnostic naming the op, the module instance it belongs to and the shapes it was
 * given, located at the source that made the node. Catalogued errors and internal invariants pass unchanged.
 */
import type { Node } from "../../compiler/4-ir/schema.ts";
import { diag, MdlError } from "../../compiler/diagnostics/diagnostic.ts";

export function kernelFailure(err: unknown, node: Node, args: readonly { shape: readonly number[]; dtype?: string }[], file: string): unknown {
  if (err instanceof MdlError || !(err instanceof Error) || err.message.startsWith("mdl internal error")) return err;
  const shapes = args.length ? args.map((a) => `${a.dtype ?? ""}[${a.shape.join(", ")}]`).join(", ") : "(none)";
  // the engine's message alone: its stack is about the engine, not the model
  const why = err.message.split("\n")[0];
  return new MdlError(diag("kernel_failed", node.loc ?? file, node.op, node.scope, shapes, why));
}
