/**
 * `mdl runs compare` and `mdl runs list` as text: one row per variant with the mean ± sample standard deviation
 * over its runs (seeds), or one row per run. The demo prints its table through `compareTable`, so `mdl runs
 * compare` over the demo's runs prints the demo's table.
 */
import { meanSd } from "../../runtime/session/compare.ts";
import { finalEval, finalLoss, type RunRecord } from "./read.ts";

export type Format = "md" | "csv" | "json";

interface Stat {
  mean: number;
  sd: number;
  n: number;
}

interface Column {
  key: string;
  header: string;
  /** Markdown cell text. */
  cell(rs: readonly RunRecord[]): string;
  /** The numbers behind the cell, for csv and json. */
  stat(rs: readonly RunRecord[]): Stat;
}

/** Evaluation metrics that are shares of videos: shown in percent, with these headers. */
const PERCENT: Record<string, string> = {
  top1: "top-1 %",
  top5: "top-5 %",
  pair: "right pair %",
  direction: "right direction within pair %",
};

/** Mean and sample sd of the finite values; NaN when there are none (a cell of "–"). */
function stat(xs: readonly (number | undefined)[]): Stat {
  const ok = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return ok.length ? { ...meanSd(ok), n: ok.length } : { mean: NaN, sd: NaN, n: 0 };
}

const pm = (s: Stat, scale: number, digits: number) =>
  s.n ? `${(scale * s.mean).toFixed(digits)} ± ${(scale * s.sd).toFixed(digits)}` : "–";
const perStep = (r: RunRecord) => (r.wallSeconds !== undefined && r.steps ? r.wallSeconds / r.steps : undefined);
const first = (rs: readonly RunRecord[], f: (r: RunRecord) => number | undefined) =>
  stat([rs.map(f).find((x) => x !== undefined)]);

function column(key: string): Column | undefined {
  switch (key) {
    case "runs":
      return { key, header: "runs", cell: (rs) => String(rs.length), stat: (rs) => ({ mean: rs.length, sd: 0, n: 1 }) };
    case "steps":
      return {
        key,
        header: "steps",
        cell: (rs) => {
          const lo = Math.min(...rs.map((r) => r.steps));
          const hi = Math.max(...rs.map((r) => r.steps));
          return lo === hi ? String(lo) : `${lo}–${hi}`;
        },
        stat: (rs) => stat(rs.map((r) => r.steps)),
      };
    case "params":
      return {
        key,
        header: "params",
        cell: (rs) =>
          fixed(
            first(rs, (r) => r.cost?.params),
            1e-6,
            2,
            " M",
          ),
        stat: (rs) => first(rs, (r) => r.cost?.params),
      };
    case "macs":
      return {
        key,
        header: "MMACs / video",
        cell: (rs) =>
          fixed(
            first(rs, (r) => r.cost?.macs),
            1e-6,
            1,
            "",
          ),
        stat: (rs) => first(rs, (r) => r.cost?.macs),
      };
    // timings are read as a mean: their spread says more about the host than about the model
    case "s_per_step":
      return {
        key,
        header: "s / step",
        cell: (rs) => fixed(stat(rs.map(perStep)), 1, 2, ""),
        stat: (rs) => stat(rs.map(perStep)),
      };
    case "final_loss":
      return {
        key,
        header: "final loss",
        cell: (rs) => pm(stat(rs.map(finalLoss)), 1, 3),
        stat: (rs) => stat(rs.map(finalLoss)),
      };
  }
  if (!key.startsWith("eval/")) return undefined;
  const name = key.slice(5);
  const values = (rs: readonly RunRecord[]) => stat(rs.map((r) => finalEval(r)[name]));
  const percent = name in PERCENT;
  return {
    key,
    header: PERCENT[name] ?? (name === "loss" ? "validation loss" : name),
    cell: (rs) => pm(values(rs), percent ? 100 : 1, percent ? 1 : 3),
    stat: values,
  };
}

const fixed = (s: Stat, scale: number, digits: number, unit: string) =>
  s.n ? `${(scale * s.mean).toFixed(digits)}${unit}` : "–";

/** Every column key `--columns` accepts, given these runs. */
export function columnKeys(runs: readonly RunRecord[]): string[] {
  const evals = [...new Set(runs.flatMap((r) => Object.keys(finalEval(r))))].map((m) => `eval/${m}`);
  const cost = runs.some((r) => r.cost) ? ["params", "macs"] : [];
  return ["runs", "steps", ...cost, "s_per_step", "final_loss", ...evals];
}

/**
 * The columns shown: those asked for; else the ones every run recorded in its config.json (the demo's runs
 * record the demo's table), else all of them.
 */
export function chooseColumns(runs: readonly RunRecord[], asked: readonly string[] | undefined): string[] {
  const all = columnKeys(runs);
  if (asked?.length === 1 && asked[0] === "all") return all;
  if (asked?.length) return [...asked];
  const recorded = runs[0]?.columns;
  if (recorded && runs.every((r) => JSON.stringify(r.columns) === JSON.stringify(recorded))) return recorded;
  return all;
}

/** Variants in the order their first run was found. */
export function byVariant(runs: readonly RunRecord[]): { variant: string; runs: RunRecord[] }[] {
  return [...new Set(runs.map((r) => r.variant))].map((variant) => ({
    variant,
    runs: runs.filter((r) => r.variant === variant),
  }));
}

/** Column keys that no run can fill; `mdl runs compare` says which exist. */
export function unknownColumns(keys: readonly string[]): string[] {
  return keys.filter((k) => !column(k));
}

export function compareTable(runs: readonly RunRecord[], keys: readonly string[], format: Format = "md"): string {
  const cols = keys.map((k) => column(k)!);
  const rows = byVariant(runs);
  if (format === "json") {
    const out = rows.map((g) => ({
      model: g.variant,
      seeds: g.runs.map((r) => r.seed ?? null),
      ...Object.fromEntries(cols.map((c) => [c.key, jsonStat(c.stat(g.runs))])),
    }));
    return JSON.stringify(out, null, 1) + "\n";
  }
  if (format === "csv") {
    const head = ["model", ...cols.flatMap((c) => [`${c.key}_mean`, `${c.key}_sd`])];
    const body = rows.map((g) => [
      g.variant,
      ...cols.flatMap((c) => {
        const s = c.stat(g.runs);
        return s.n ? [String(s.mean), String(s.sd)] : ["", ""];
      }),
    ]);
    return [head, ...body].map((r) => r.map(csvCell).join(",")).join("\n") + "\n";
  }
  return markdown(
    ["model", ...cols.map((c) => c.header)],
    rows.map((g) => [g.variant, ...cols.map((c) => c.cell(g.runs))]),
  );
}

/** One row per run, for `mdl runs list`. */
export function listTable(runs: readonly RunRecord[], format: Format = "md"): string {
  const rows = runs.map((r) => {
    const loss = finalLoss(r);
    return {
      run: r.path,
      variant: r.variant,
      seed: r.seed ?? null,
      steps: r.steps,
      total_steps: r.totalSteps ?? null,
      last_loss: loss ?? null,
      best: r.best ? { metric: r.best.metric, value: r.best.value, step: r.best.step } : null,
      wall_s: r.wallSeconds ?? null,
    };
  });
  if (format === "json") return JSON.stringify(rows, null, 1) + "\n";
  if (format === "csv") {
    const head = [
      "run",
      "variant",
      "seed",
      "steps",
      "total_steps",
      "last_loss",
      "best_metric",
      "best_value",
      "best_step",
      "wall_s",
    ];
    const body = rows.map((r) =>
      [
        r.run,
        r.variant,
        r.seed,
        r.steps,
        r.total_steps,
        r.last_loss,
        r.best?.metric,
        r.best?.value,
        r.best?.step,
        r.wall_s,
      ].map((v) => (v === null || v === undefined ? "" : String(v))),
    );
    return [head, ...body].map((r) => r.map(csvCell).join(",")).join("\n") + "\n";
  }
  return markdown(
    ["run", "variant", "seed", "steps", "last loss", "best", "wall"],
    rows.map((r) => [
      r.run,
      r.variant,
      r.seed === null ? "–" : String(r.seed),
      r.total_steps !== null && r.total_steps !== r.steps ? `${r.steps}/${r.total_steps}` : String(r.steps),
      r.last_loss === null ? "–" : r.last_loss.toFixed(4),
      r.best
        ? `${r.best.metric} ${r.best.metric in PERCENT ? `${(100 * r.best.value).toFixed(1)}%` : r.best.value.toPrecision(4)} @ ${r.best.step}`
        : "–",
      r.wall_s === null ? "–" : duration(r.wall_s),
    ]),
    2,
  );
}

export const duration = (s: number) =>
  s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`
      : `${s.toFixed(1)} s`;

/** The first `names` columns left-aligned, the numbers right-aligned, as the README's tables are. */
function markdown(head: readonly string[], rows: readonly string[][], names = 1): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return (
    [line(head), `|${head.map((_, i) => (i >= names ? "---:" : "---")).join("|")}|`, ...rows.map(line)].join("\n") +
    "\n"
  );
}

const jsonStat = (s: Stat) => (s.n ? { mean: s.mean, sd: s.sd, n: s.n } : null);
const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
