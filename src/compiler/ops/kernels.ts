/**
 * How a back end declares its kernels: one entry per op of the table, either a kernel or an
 * explicit `{ unsupported: "why" }`. The mapped type makes a missing op a type error; the
 * registry (runtime/kernel-tables.ts) lets a test list, op by op, which back ends run it.
 */
import type { NodeOf } from "../0-core/schema.ts";
import { opNames, type OpName } from "./table.ts";
import { isUnsupported, type Unsupported } from "./types.ts";

/** A kernel for op O: the node (attributes typed by the op's schema) and whatever the back end passes. */
export type Kernel<O extends OpName, Args extends unknown[], R> = (node: NodeOf<O>, ...args: Args) => R;

/** A complete kernel table: every op, kernel or reasoned refusal. */
export type KernelTable<Args extends unknown[], R> = { [O in OpName]: Kernel<O, Args, R> | Unsupported };

/** What every back end's table is, seen without its argument types (for listing and tests). */
export type AnyKernelTable = { [O in OpName]: unknown };

/** The table's kernel for a node, with the node's own type (one cast, here, instead of one per call site). */
export function kernelFor<Args extends unknown[], R>(table: KernelTable<Args, R>, op: OpName): Kernel<OpName, Args, R> | Unsupported {
  return table[op] as Kernel<OpName, Args, R> | Unsupported;
}

/** Per op: "yes" or the back end's reason for not running it. */
export function coverage(table: AnyKernelTable): Record<OpName, true | string> {
  return Object.fromEntries(opNames.map((op) => {
    const k = table[op];
    if (isUnsupported(k)) return [op, k.unsupported];
    if (typeof k !== "function") throw new Error(`kernel table entry for ${op} is neither a kernel nor { unsupported }`);
    return [op, true];
  })) as Record<OpName, true | string>;
}

export { isUnsupported, type Unsupported };
