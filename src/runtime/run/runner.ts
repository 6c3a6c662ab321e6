/**
 * A compiled model ready to run: its weights read once, compiled for the current engine with them baked in,
 * then any number of predictions. Each prediction frees its intermediates, so only the returned tensors
 * outlive it. Intermediates asked for (`keep`) leave as extra outputs of a program compiled for that set.
 */
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import { engine } from "../backend/current.ts";
import type { CompiledProgram, RunResult, Tensor } from "../backend/engine.ts";
import type { Checkpoint } from "../weights/checkpoint.ts";
import type { Coverage } from "../weights/coverage.ts";
import { checkpointWeights } from "./load-params.ts";

export interface Runner {
  ir: ModelIR;
  coverage: Coverage;
  /** Outputs by name, and the values of the `keep` node ids; the caller disposes them. */
  run(inputs: Record<string, Tensor>, keep?: readonly number[]): Promise<RunResult>;
  /** Compile the program now (the weights allocated, and refused when the engine cannot hold them). */
  ready(): Promise<void>;
  dispose(): Promise<void>;
}

const KEPT = "kept.";

/** The IR with the `keep` node ids as extra outputs named `kept.<id>`. */
function withKept(ir: ModelIR, keep: readonly number[]): ModelIR {
  if (!keep.length) return ir;
  const byId = new Map(ir.graph.nodes.map((n) => [n.id, n]));
  const extra = [...new Set(keep)].map((id) => ({ name: `${KEPT}${id}`, value: id, type: byId.get(id)!.type }));
  return { ...ir, graph: { ...ir.graph, outputs: [...ir.graph.outputs, ...extra] } };
}

/** The checkpoint is checked (coverage, `strict`) at once; the program is compiled on the first run. */
export function createRunner(
  ir: ModelIR,
  ckpt: Checkpoint | undefined,
  opts: { strict?: boolean; seed?: number } = {},
): Runner {
  const { weights, coverage } = checkpointWeights(ir, ckpt, opts);
  const bake = { weights, seed: opts.seed ?? 0 };
  const programs = new Map<string, Promise<CompiledProgram>>();
  const programFor = (keep: readonly number[]) => {
    const key = [...keep].sort((a, b) => a - b).join();
    if (!programs.has(key)) programs.set(key, engine().compile(withKept(ir, keep), { bake }));
    return programs.get(key)!;
  };
  return {
    ir,
    coverage,
    async run(inputs, keep = []) {
      const all = await (await programFor(keep)).run(inputs);
      const outputs: Record<string, Tensor> = {};
      const kept = new Map<number, Tensor>();
      for (const [name, t] of Object.entries(all)) {
        if (name.startsWith(KEPT) && !ir.graph.outputs.some((o) => o.name === name))
          kept.set(Number(name.slice(KEPT.length)), t);
        else outputs[name] = t;
      }
      return { outputs, kept };
    },
    ready: async () => void (await programFor([])),
    async dispose() {
      for (const p of programs.values()) await (await p).dispose();
      programs.clear();
    },
  };
}
