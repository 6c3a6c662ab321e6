/**
 * How a back end declares its kernels: one entry per op of the table, either a kernel, `viaDecomposition`
 * (the op's decomposition into other ops of the table is lowered instead: 5-train/decompose.ts) or an
 * explicit `{ unsupported: "why" }`. The mapped type makes a missing op a type error; the
 * registry (runtime/kernel-tables.ts) lets a test list, op by op, which back ends run it.
 */
import type { NodeOf } from "../0-core/schema.ts";
import { opDef, opNames, type OpName } from "./table.ts";
import { isUnsupported, type Unsupported } from "./types.ts";

/** A kernel for op O: the node (attributes typed by the op's schema) and whatever the back end passes. */
export type Kernel<O extends OpName, Args extends unknown[], R> = (node: NodeOf<O>, ...args: Args) => R;

/** The entry of an op a back end has no kernel of its own for: the lowering runs its decomposition (the op table's `decompose`). */
export const viaDecomposition = { decomposition: true } as const;
export type ViaDecomposition = typeof viaDecomposition;

/** A complete kernel table: every op, kernel, decomposition or reasoned refusal. */
export type KernelTable<Args extends unknown[], R> = {
  [O in OpName]: Kernel<O, Args, R> | ViaDecomposition | Unsupported;
};

/** What every back end's table is, seen without its argument types (for listing and tests). */
export type AnyKernelTable = { [O in OpName]: unknown };

/**
 * The table's kernel for a node, with the node's own type (one cast, here, instead of one per call site), or why it has
 * none. A graph lowered with `hasKernel` as the decompose pass's `keep` holds no node whose op is `viaDecomposition`.
 */
export function kernelFor<Args extends unknown[], R>(
  table: KernelTable<Args, R>,
  op: OpName,
): Kernel<OpName, Args, R> | Unsupported {
  const k = table[op];
  if (k === viaDecomposition) return { unsupported: "lowered through its decomposition, which this graph was not" };
  // a table built outside the type checker's view (a plain object, a recipe half done): say which op, not "not a function"
  if (typeof k !== "function" && !isUnsupported(k))
    return { unsupported: `the kernel table has no entry for \`${op}\`` };
  return k as Kernel<OpName, Args, R> | Unsupported;
}

/** Whether the back end runs op with a kernel of its own: what the decompose pass keeps. */
export const hasKernel = (table: AnyKernelTable, op: OpName): boolean => typeof table[op] === "function";

/** How a back end runs each op: its own kernel, the op's decomposition, or not at all (with its reason). */
export type Coverage = "kernel" | "decomposition" | Unsupported;
export function coverage(table: AnyKernelTable): Record<OpName, Coverage> {
  return Object.fromEntries(
    opNames.map((op): [OpName, Coverage] => {
      const k = table[op];
      if (isUnsupported(k)) return [op, k];
      if (k === viaDecomposition) {
        if (!opDef(op).decompose)
          throw new Error(`kernel table entry for ${op} asks for a decomposition the op table does not give`);
        return [op, "decomposition"];
      }
      if (typeof k !== "function")
        throw new Error(`kernel table entry for ${op} is neither a kernel, viaDecomposition nor { unsupported }`);
      return [op, "kernel"];
    }),
  ) as Record<OpName, Coverage>;
}

export { isUnsupported, type Unsupported };
