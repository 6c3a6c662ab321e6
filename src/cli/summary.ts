/** `mdl summary FILE`: the module tree with output shapes, parameters and MACs, and totals. */
import type { Command } from "commander";
import { analyze, type ModuleStats } from "../compiler/4-ir/analyze.ts";
import type { ModelIR } from "../compiler/0-core/schema.ts";
import { diag, MdlError } from "../compiler/diagnostics/diagnostic.ts";
import { trainingMemory, type TrainingMemory } from "../compiler/4-ir/memory.ts";
import { checkpointCoverage } from "../runtime/run/load-params.ts";
import { coverageJson, formatCoverage } from "../runtime/weights/coverage.ts";
import { compileOrFail, modelOptions, type ModelFlags } from "./compile-args.ts";
import { parseAssignments, runCommand } from "./io.ts";
import { frozenParams } from "../runtime/session/select.ts";
import { selectionOptions } from "./training.ts";
import { about } from "./about.ts";

export function register(program: Command): void {
  selectionOptions(
    modelOptions(
      program
        .command("summary")
        .description(about.summary.text)
        .argument("<file>", ".mdl file")
        .option("--depth <n>", "deepest module level shown", "2")
        .option("--dims <S=n,...>", "values of batch symbols, e.g. B=2,K=400 (default 1 each)")
        .option(
          "--weights <file>",
          "bind free hyperparameters from a checkpoint's shapes, and say which parameters it fills (as mdl train reports)",
        )
        .option(
          "--json",
          "print JSON: { model, preset, hyper, symbols, total: { params, macs }, modules: [...], " +
            "trainingMemory, weights? }; with --freeze or --train-only each module has trainable and frozen",
        ),
    ),
  ).action(
    (
      file: string,
      flags: ModelFlags & {
        depth: string;
        dims?: string;
        weights?: string;
        json?: boolean;
        freeze: string[];
        trainOnly: string[];
      },
    ) =>
      runCommand(() => {
        const depth = Number(flags.depth);
        if (!Number.isInteger(depth) || depth < 0)
          throw new MdlError(diag("usage", undefined, `--depth must be a whole number >= 0, got \`${flags.depth}\``));
        const dims: Record<string, number> = {};
        for (const [k, v] of parseAssignments(flags.dims ? flags.dims.split(",") : [])) {
          if (!/^\d+$/.test(v))
            throw new MdlError(diag("usage", undefined, `--dims ${k} must be a whole number, got \`${v}\``));
          dims[k] = Number(v);
        }
        const { ir, checkpoint } = compileOrFail(file, flags, flags.weights);
        const stats = analyze(ir, dims);
        // the selection mdl train makes, with its errors (a pattern that selects nothing, nothing left to train)
        const frozen =
          flags.freeze.length || flags.trainOnly.length
            ? frozenParams(ir, { freeze: flags.freeze, trainOnly: flags.trainOnly })
            : undefined;
        const split = frozen && frozenByModule(ir, frozen);
        const memory = memoryEstimate(ir, dims, frozen);
        const cov = checkpoint && checkpointCoverage(ir, checkpoint);
        if (flags.json) {
          const weights = cov && { weights: { file: checkpoint!.file, ...coverageJson(cov) } };
          const json = summaryJson(ir, stats);
          if (split)
            json.modules = json.modules.map((m) => ({
              ...m,
              trainable: m.params - split.get(m.path)!,
              frozen: split.get(m.path)!,
            }));
          process.stdout.write(JSON.stringify({ ...json, trainingMemory: memory, ...weights }, null, 2) + "\n");
          return;
        }
        const report = cov ? `weights ${checkpoint!.file}: ${formatCoverage(cov)}\n` : "";
        const selection = frozen && {
          frozen: split!,
          total: stats.total.params,
          flags: [...flags.freeze.map((p) => `--freeze ${p}`), ...flags.trainOnly.map((p) => `--train-only ${p}`)],
        };
        process.stdout.write(
          summaryTable(
            ir,
            stats.modules.filter((m) => m.depth <= depth),
            stats.total,
            split,
          ) +
            "\n" +
            memoryLines(memory, selection) +
            "\n" +
            report,
        );
      }),
  );
}

export function summaryJson(ir: ModelIR, stats: ReturnType<typeof analyze>) {
  return {
    model: ir.model,
    preset: ir.preset ?? null,
    hyper: Object.fromEntries(
      ir.hyper.map((h) => [h.name, { value: h.value, source: h.source, ...(h.origin ? { origin: h.origin } : {}) }]),
    ),
    symbols: ir.symbols,
    total: stats.total,
    modules: stats.modules.map((m) => ({
      path: m.path,
      block: m.block,
      depth: m.depth,
      params: m.params,
      macs: m.macs,
      output: m.output ? m.output.shape : null,
    })),
  };
}

export const human = (n: number) =>
  n >= 1e9
    ? `${(n / 1e9).toFixed(2)} G`
    : n >= 1e6
      ? `${(n / 1e6).toFixed(2)} M`
      : n >= 1e3
        ? `${(n / 1e3).toFixed(1)} K`
        : String(n);

/** Frozen parameter elements under each module path (its own and its sub-modules'). */
function frozenByModule(ir: ModelIR, frozen: ReadonlySet<string>): Map<string, number> {
  const size = new Map(ir.params.map((p) => [p.path, frozen.has(p.path) ? p.shape.reduce((a, d) => a * d, 1) : 0]));
  const byPath = new Map(ir.modules.map((m) => [m.path, m]));
  const out = new Map<string, number>();
  const walk = (path: string): number => {
    const m = byPath.get(path)!;
    const n = m.params.reduce((a, p) => a + (size.get(p) ?? 0), 0) + m.children.reduce((a, c) => a + walk(c), 0);
    out.set(path, n);
    return n;
  };
  walk("");
  return out;
}

/** With `frozen` (per module, from --freeze/--train-only), trainable and frozen columns after params. */
export function summaryTable(
  ir: ModelIR,
  rows: ModuleStats[],
  total: { params: number; macs: number },
  frozen?: ReadonlyMap<string, number>,
): string {
  const cells = rows.map((m) => [
    `${"  ".repeat(m.depth)}${m.path ? m.path.split(".").pop()! : ir.model}`,
    m.block,
    m.output ? `[${m.output.shape.join(", ")}]` : "",
    human(m.params),
    ...(frozen ? [human(m.params - frozen.get(m.path)!), human(frozen.get(m.path)!)] : []),
    human(m.macs),
  ]);
  const head = ["module", "block", "output", "params", ...(frozen ? ["trainable", "frozen"] : []), "MACs"];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => (i >= 3 ? x.padStart(widths[i]) : x.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const hyper = ir.hyper.filter((h) => h.source !== "default").map((h) => `${h.name}=${h.value} (${h.source})`);
  return [
    `${ir.model}${ir.preset ? ` [${ir.preset}]` : ""}${hyper.length ? `  ${hyper.join(", ")}` : ""}`,
    line(head),
    ...cells.map(line),
    `total: ${total.params.toLocaleString("en-US")} parameters ` +
      `(${human(total.params)}), ${human(total.macs)}MACs for ${ir.symbols.map((s) => `${s}=1`).join(", ") || "one sample"}`,
  ].join("\n");
}

/** The estimate for the IR as compiled; when nothing is marked, also for every repeated block recomputed. */
function memoryEstimate(
  ir: ModelIR,
  dims: Record<string, number>,
  frozen?: ReadonlySet<string>,
): TrainingMemory & { assumed?: string[] } {
  const m = trainingMemory(ir, dims, frozen);
  if (m.recomputed) return m;
  const repeats = ir.modules.filter(
    (x) => x.block === "repeat" && !ir.modules.some((y) => y.block === "repeat" && x.path.startsWith(y.path + ".")),
  );
  if (!repeats.length) return m;
  const marked: ModelIR = {
    ...ir,
    modules: ir.modules.map((x) => (repeats.some((r) => r.children.includes(x.path)) ? { ...x, recompute: true } : x)),
  };
  return { ...trainingMemory(marked, dims, frozen), assumed: repeats.map((r) => r.path) };
}

const bytes = (n: number) => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(0)} MiB`);

function memoryLines(
  m: TrainingMemory & { assumed?: string[] },
  selection?: { frozen: ReadonlyMap<string, number>; total: number; flags: string[] },
): string {
  const fixed = m.params + m.grads + m.adamw;
  const trained = selection
    ? `${human(selection.total - selection.frozen.get("")!)} of ${human(selection.total)} parameters trained (${selection.flags.join(" ")})`
    : "every parameter trained";
  const lines = [
    `training memory, f32, ${trained}: parameters ${bytes(m.params)}, gradients ${bytes(m.grads)}, AdamW state ${bytes(m.adamw)}`,
    `  activations kept for the backward: ${bytes(m.activations)} without recomputation (total ${bytes(fixed + m.activations)})`,
  ];
  if (m.recomputed) {
    const how = m.assumed
      ? `if ${m.assumed.map((p) => `--recompute ${p}`).join(" ")}`
      : "with the marked modules recomputed";
    const { kept, largestRun } = m.recomputed;
    lines.push(
      `  ${bytes(kept)} + ${bytes(largestRun)} rebuilt at a time ${how} (total ${bytes(fixed + kept + largestRun)})`,
    );
  }
  // what the estimate cannot know: whether the engine frees what no backward op reads
  if (selection)
    lines.push(
      "  * frozen values no trained op reads are not counted, as the compiled step " +
        "(ONNX Runtime, torch) drops them; tfjs's tape keeps every value of the forward",
    );
  return lines.join("\n");
}
