/**
 * Every back end's kernel table, by back-end name, loaded on demand so that listing them does not
 * start an engine. A new back end adds one line; test/ir/ops.test.ts then lists, op by op, which
 * back ends run it and fails on an entry that is neither a kernel nor `{ unsupported: "why" }`.
 */
import type { AnyKernelTable } from "../compiler/ops/kernels.ts";

export const kernelTables: Record<string, () => Promise<AnyKernelTable>> = {
  tfjs: async () => (await import("./tfjs/ops/index.ts")).tfjsKernels,
  onnx: async () => (await import("./onnx/kernels.ts")).onnxKernels,
  torch: async () => (await import("./torch/ops.ts")).torchOps,
};
