/**
 * An engine's own error from inside a kernel (tfjs: `GatherV2: the index value ... is not in [0, 511]`)
 * becomes a catalogued diagnostic naming the op, the module instance it belongs to and the shapes it was
 * given, located at the source that made the node. Catalogued errors and internal invariants pass unchanged.
 */
import type { Node } from "../../compiler/4-ir/schema.ts";
import { diag, MdlError } from "../../compiler/diagnostics/diagnostic.ts";
import { ops } from "../../compiler/ops/table.ts";

type Arg = { shape: readonly number[]; dtype?: string; dataSync?: () => ArrayLike<number> };

export function kernelFailure(err: unknown, node: Node, args: readonly Arg[], file: string): unknown {
  if (err instanceof MdlError || !(err instanceof Error) || err.message.startsWith("mdl internal error")) return err;
  const shapes = args.length ? args.map((a) => `${a.dtype ?? ""}[${a.shape.join(", ")}]`).join(", ") : "(none)";
  // the engine's message alone: its stack is about the engine, not the model
  const why = outOfRange(node, args) ?? err.message.split("\n")[0];
  return new MdlError(diag("kernel_failed", node.loc ?? file, node.op, node.scope, shapes, why));
}

/** Ops that index a table, by operand: which argument holds the indices, and which axis of which argument they select. */
const INDEXING: Partial<Record<Node["op"], { ids: number; table: number; axis: number }>> = {
  gather: { ids: 1, table: 0, axis: 0 },
  gather_rows: { ids: 1, table: 0, axis: 1 },
};

/**
 * The first index outside its axis, at its place in the index tensor's own shape (`ids[0, 77] = 49408 ...`),
 * where the engine would give a position in the flattened tensor or none at all. Undefined when every index fits.
 */
function outOfRange(node: Node, args: readonly Arg[]): string | undefined {
  const at = INDEXING[node.op];
  const ids = at && args[at.ids];
  const table = at && args[at.table];
  if (!at || !ids?.dataSync || !table) return undefined;
  const size = table.shape[at.axis];
  const values = ids.dataSync();
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (v >= 0 && v < size) continue;
    const pos: number[] = [];
    for (let i = ids.shape.length - 1, rest = k; i >= 0; i--) {
      pos.unshift(rest % ids.shape[i]);
      rest = Math.floor(rest / ids.shape[i]);
    }
    const names = opOperands(node.op);
    return `${names[at.ids] ?? "index"}[${pos.join(", ")}] = ${v} is out of range for axis ${at.axis} of \`${names[at.table] ?? "table"}\` [${table.shape.join(", ")}] (size ${size})`;
  }
  return undefined;
}

function opOperands(op: Node["op"]): string[] {
  return (ops[op] as { operands?: string }).operands?.split(",").map((s) => s.trim()) ?? [];
}
