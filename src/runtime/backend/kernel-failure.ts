/**
 * An engine's own error from inside a kernel (tfjs: `GatherV2: the index value ... is not in [0, 511]`)
 * becomes a catalogued diagnostic naming the op, the module instance it belongs to and the shapes it was
 * given, located at the source that made the node. Catalogued errors and internal invariants pass unchanged.
 */
import type { Node } from "../../compiler/0-core/schema.ts";
import { diag, MdlError } from "../../compiler/diagnostics/diagnostic.ts";
import { ops } from "../../compiler/ops/table.ts";

type Arg = { shape: readonly number[]; dtype?: string };

export function kernelFailure(err: unknown, node: Node, args: readonly Arg[], file: string): unknown {
  if (err instanceof MdlError || !(err instanceof Error) || err.message.startsWith("mdl internal error")) return err;
  const shapes = args.length ? args.map((a) => `${a.dtype ?? ""}[${a.shape.join(", ")}]`).join(", ") : "(none)";
  // the engine's message alone: its stack is about the engine, not the model
  const why = outOfRange(node, args, err.message) ?? err.message.split("\n")[0];
  return new MdlError(diag("kernel_failed", node.loc ?? file, node.op, node.scope, shapes, why));
}

/** Ops that index a table, by operand: which argument holds the indices, and which axis of which argument they select. */
const INDEXING: Partial<Record<Node["op"], { ids: number; table: number; axis: number }>> = {
  gather: { ids: 1, table: 0, axis: 0 },
  gather_rows: { ids: 1, table: 0, axis: 1 },
};

/**
 * The index that failed, with the index tensor's and the table's shapes and the axis size, where the engine
 * names only the value (tfjs: `GatherV2: the index value 600 is not in [0, 511]`). The place of that value in the
 * index tensor is not looked up: that would read the tensor synchronously, which webgpu cannot do in Node. Ids
 * that come from a model input are checked before anything runs, and those errors give the place
 * (run/token-ids.ts). Undefined when the engine's message names no index value.
 */
function outOfRange(node: Node, args: readonly Arg[], engineMessage: string): string | undefined {
  const at = INDEXING[node.op];
  const ids = at && args[at.ids];
  const table = at && args[at.table];
  const value = /index value (-?\d+)/.exec(engineMessage)?.[1];
  if (!at || !ids || !table || value === undefined) return undefined;
  const names = opOperands(node.op);
  const size = table.shape[at.axis];
  return (
    `\`${names[at.ids] ?? "index"}\` [${ids.shape.join(", ")}] holds ${value}, out of range for axis ${at.axis} ` +
    `of \`${names[at.table] ?? "table"}\` [${table.shape.join(", ")}] (size ${size}: ids 0 to ${size - 1})`
  );
}

function opOperands(op: Node["op"]): string[] {
  return (ops[op] as { operands?: string }).operands?.split(",").map((s) => s.trim()) ?? [];
}
