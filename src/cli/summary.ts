/** `mdl summary FILE`: the module tree with output shapes, parameters and MACs, and totals. */
import type { Command } from "commander";
import { analyze, type ModuleStats } from "../compiler/4-ir/analyze.ts";
import type { ModelIR } from "../compiler/4-ir/schema.ts";
import { diag, MdlError } from "../compiler/diagnostics/diagnostic.ts";
import { compileOrFail, modelOptions, type ModelFlags } from "./compile-args.ts";
import { parseAssignments, runCommand } from "./io.ts";

export function register(program: Command): void {
  modelOptions(
    program
      .command("summary")
      .description("parameters and multiply-accumulates (matmuls and convolutions) per module; batch symbols default to 1 (one video, one text)")
      .argument("<file>", ".mdl file")
      .option("--depth <n>", "deepest module level shown", "2")
      .option("--dims <S=n,...>", "values of batch symbols, e.g. B=2,K=400 (default 1 each)")
      .option("--weights <file>", "bind free hyperparameters from a checkpoint's shapes")
      .option("--json", "print JSON: { model, preset, hyper, symbols, total: { params, macs }, modules: [...] }"),
  ).action((file: string, flags: ModelFlags & { depth: string; dims?: string; weights?: string; json?: boolean }) =>
    runCommand(() => {
      const depth = Number(flags.depth);
      if (!Number.isInteger(depth) || depth < 0) throw new MdlError(diag("usage", undefined, `--depth must be a whole number >= 0, got \`${flags.depth}\``));
      const dims: Record<string, number> = {};
      for (const [k, v] of parseAssignments(flags.dims ? flags.dims.split(",") : [])) {
        if (!/^\d+$/.test(v)) throw new MdlError(diag("usage", undefined, `--dims ${k} must be a whole number, got \`${v}\``));
        dims[k] = Number(v);
      }
      const { ir } = compileOrFail(file, flags, flags.weights);
      const stats = analyze(ir, dims);
      if (flags.json) {
        process.stdout.write(JSON.stringify(summaryJson(ir, stats), null, 2) + "\n");
        return;
      }
      process.stdout.write(summaryTable(ir, stats.modules.filter((m) => m.depth <= depth), stats.total) + "\n");
    }),
  );
}

export function summaryJson(ir: ModelIR, stats: ReturnType<typeof analyze>) {
  return {
    model: ir.model,
    preset: ir.preset ?? null,
    hyper: Object.fromEntries(ir.hyper.map((h) => [h.name, { value: h.value, source: h.source, ...(h.origin ? { origin: h.origin } : {}) }])),
    symbols: ir.symbols,
    total: stats.total,
    modules: stats.modules.map((m) => ({ path: m.path, block: m.block, depth: m.depth, params: m.params, macs: m.macs, output: m.output ? m.output.shape : null })),
  };
}

export const human = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} K` : String(n));

export function summaryTable(ir: ModelIR, rows: ModuleStats[], total: { params: number; macs: number }): string {
  const cells = rows.map((m) => [
    `${"  ".repeat(m.depth)}${m.path ? m.path.split(".").pop()! : ir.model}`,
    m.block,
    m.output ? `[${m.output.shape.join(", ")}]` : "",
    human(m.params),
    human(m.macs),
  ]);
  const head = ["module", "block", "output", "params", "MACs"];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i >= 3 ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join("  ").trimEnd();
  const hyper = ir.hyper.filter((h) => h.source !== "default").map((h) => `${h.name}=${h.value} (${h.source})`);
  return [
    `${ir.model}${ir.preset ? ` [${ir.preset}]` : ""}${hyper.length ? `  ${hyper.join(", ")}` : ""}`,
    line(head),
    ...cells.map(line),
    `total: ${total.params.toLocaleString("en-US")} parameters (${human(total.params)}), ${human(total.macs)}MACs for ${ir.symbols.map((s) => `${s}=1`).join(", ") || "one sample"}`,
  ].join("\n");
}
