/**
 * Run folders read back, for `mdl runs` and the demo: a run is a folder holding metrics.jsonl (what `mdl train
 * --out` and `mdl demo` write). What it was is read from its config.json (runtime/train/run-record.ts), or, for
 * runs made before config.json existed, from the config and schedule its newest checkpoint's state.json keeps.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { MetricsLog, type MetricsLine } from "../../runtime/train/metrics.ts";
import { CONFIG } from "../../runtime/train/run-record.ts";
import { ioWhy, isSystemError } from "../../util/io-error.ts";

export interface RunRecord {
  /** The folder, as reached from the folder given. */
  path: string;
  variant: string;
  seed: number | undefined;
  /** The last optimizer step logged, and how many the run was set to make. */
  steps: number;
  totalSteps: number | undefined;
  /** Examples per optimizer step (batch x accum), when recorded. */
  examplesPerStep: number | undefined;
  /** One line per optimizer step, and one per evaluation, in file order. */
  stepLines: MetricsLine[];
  evals: { step: number; values: Record<string, number> }[];
  /** best/best.json, else the best of the first evaluated metric. */
  best: { step: number; metric: string; value: number } | undefined;
  /** Seconds spent in optimizer steps: the sum of each step's time (examples / examples_per_s), else the span of the lines' timestamps. */
  wallSeconds: number | undefined;
  /** Parameters and MACs per video, when the run recorded them (the demo's runs do). */
  cost: { params: number; macs: number } | undefined;
  /** The table columns the run asks `mdl runs compare` for (the demo's: its README table). */
  columns: string[] | undefined;
}

/** The runs under each folder, in name order (numbers by value: seed-2 before seed-10); a folder without any is MDL560. */
export function findRuns(dirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const dir of dirs) {
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch (err) {
      fail("run_unreadable", dir, isSystemError(err) ? ioWhy(err) : String(err));
    }
    if (!isDir) fail("run_unreadable", dir, "not a folder");
    const found = walk(dir);
    if (!found.length) fail("no_runs", dir);
    out.push(...found);
  }
  return [...new Set(out)];
}

const byName = new Intl.Collator("en", { numeric: true }).compare;

function walk(dir: string): string[] {
  if (existsSync(join(dir, "metrics.jsonl"))) return [dir];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    return fail("run_unreadable", dir, isSystemError(err) ? ioWhy(err) : String(err));
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules")
    .map((e) => e.name)
    .sort(byName)
    .flatMap((name) => walk(join(dir, name)));
}

export function readRuns(dirs: readonly string[]): RunRecord[] {
  return findRuns(dirs).map(readRun);
}

export function readRun(dir: string): RunRecord {
  const lines = readMetrics(dir);
  const stepLines = lines.filter((l) => typeof l.loss === "number");
  const evals = lines.flatMap((l) => (isRecord(l.eval) ? [{ step: l.step, values: numbers(l.eval) }] : []));
  const config = readJson(join(dir, CONFIG));
  const state = config ? undefined : latestState(dir);
  const old = isRecord(state?.config) ? state.config : {};
  const schedule = isRecord(state?.schedule) ? state.schedule : {};
  const training = isRecord(config?.training) ? config.training : {};
  const batch = num(training.batch) ?? num(schedule.batch) ?? num(old.batch);
  const accum = num(training.accum) ?? num(schedule.accum) ?? num(old.accum) ?? 1;
  const examplesPerStep = batch === undefined ? undefined : batch * accum;
  const steps = stepLines.length ? Math.max(...stepLines.map((l) => l.step)) : 0;
  const cost =
    isRecord(config?.cost) && num(config.cost.params) !== undefined && num(config.cost.macs) !== undefined
      ? { params: num(config.cost.params)!, macs: num(config.cost.macs)! }
      : undefined;
  return {
    path: dir,
    variant: typeof config?.variant === "string" ? config.variant : (oldVariant(old) ?? basename(dir)),
    seed: num(config?.seed) ?? num(schedule.seed) ?? num(old.seed),
    steps,
    totalSteps: num(training.steps) ?? num(schedule.totalSteps) ?? num(old.steps),
    examplesPerStep,
    stepLines,
    evals,
    best: bestOf(dir, evals),
    wallSeconds: wallSeconds(stepLines, examplesPerStep),
    cost,
    columns:
      Array.isArray(config?.columns) && config.columns.every((c) => typeof c === "string")
        ? (config.columns as string[])
        : undefined,
  };
}

/** Values of one metric over steps: `loss`, `lr`, `examples_per_s` (any field of the step lines), or `eval/NAME`. */
export function seriesOf(run: RunRecord, metric: string): [number, number][] {
  if (metric.startsWith("eval/")) {
    const name = metric.slice(5);
    return run.evals.flatMap((e) =>
      Number.isFinite(e.values[name]) ? [[e.step, e.values[name]] as [number, number]] : [],
    );
  }
  return run.stepLines.flatMap((l) =>
    typeof l[metric] === "number" && Number.isFinite(l[metric])
      ? [[l.step, l[metric] as number] as [number, number]]
      : [],
  );
}

/** What `seriesOf` can draw for these runs: the numeric fields of their step lines, then `eval/NAME`. */
export function loggedMetrics(runs: readonly RunRecord[]): string[] {
  const step = runs.flatMap((r) =>
    r.stepLines.flatMap((l) =>
      Object.keys(l).filter((k) => typeof l[k] === "number" && !["step", "epoch", "time"].includes(k)),
    ),
  );
  const evals = runs.flatMap((r) => r.evals.flatMap((e) => Object.keys(e.values).map((k) => `eval/${k}`)));
  return [...new Set([...step, ...evals])];
}

/** The last evaluation's values (a run evaluated at its end reports those). */
export const finalEval = (run: RunRecord): Record<string, number> => run.evals.at(-1)?.values ?? {};

export const finalLoss = (run: RunRecord): number | undefined => run.stepLines.at(-1)?.loss as number | undefined;

/** Every line must be a metrics record, except a last one cut short by a kill (MetricsLog.read drops it). */
function readMetrics(dir: string): MetricsLine[] {
  const log = new MetricsLog(dir);
  let text: string;
  try {
    text = readFileSync(log.path, "utf8");
  } catch (err) {
    return fail("run_unreadable", log.path, isSystemError(err) ? ioWhy(err) : String(err));
  }
  const rows = text.split("\n");
  const last = rows.length - 1 - [...rows].reverse().findIndex((r) => r.trim() !== "");
  rows.forEach((row, i) => {
    if (!row.trim() || i === last) return;
    let ok = false;
    try {
      ok = typeof JSON.parse(row)?.step === "number";
    } catch {
      ok = false;
    }
    if (!ok)
      fail("run_unreadable", `${log.path}:${i + 1}`, "this line of metrics.jsonl is not a JSON record with a `step`");
  });
  const lines = log.read();
  if (text.trim() && !lines.length)
    fail("run_unreadable", log.path, "metrics.jsonl holds no JSON record with a `step`");
  return lines;
}

function wallSeconds(lines: readonly MetricsLine[], examplesPerStep: number | undefined): number | undefined {
  if (!lines.length) return undefined;
  const rates = lines.map((l) => num(l.examples_per_s));
  if (examplesPerStep !== undefined && rates.every((r) => r !== undefined && r > 0))
    return rates.reduce((a: number, r) => a + examplesPerStep / r!, 0);
  // the stamps mark each step's end: the first step's own time is estimated as the mean of the others
  const times = lines.map((l) => num(l.time));
  if (lines.length < 2 || times.some((t) => t === undefined)) return undefined;
  const span = times.at(-1)! - times[0]!;
  return span + span / (lines.length - 1);
}

function bestOf(dir: string, evals: RunRecord["evals"]): RunRecord["best"] {
  const b = readJson(join(dir, "best", "best.json"));
  if (b && typeof b.metric === "string" && num(b.step) !== undefined && num(b.value) !== undefined)
    return { step: num(b.step)!, metric: b.metric, value: num(b.value)! };
  const metric = evals.length
    ? Object.keys(evals[0].values).includes("top1")
      ? "top1"
      : Object.keys(evals[0].values)[0]
    : undefined;
  if (metric === undefined) return undefined;
  let best: RunRecord["best"];
  for (const e of evals) {
    const v = e.values[metric];
    if (Number.isFinite(v) && (!best || (metric === "loss" ? v < best.value : v > best.value)))
      best = { step: e.step, metric, value: v };
  }
  return best;
}

/** A run made before config.json: its model file's name, with the preset. */
function oldVariant(c: Record<string, unknown>): string | undefined {
  if (typeof c.file !== "string") return undefined;
  return basename(c.file, ".mdl") + (typeof c.preset === "string" ? ` [${c.preset}]` : "");
}

function latestState(dir: string): Record<string, unknown> | undefined {
  const pointer = readJson(join(dir, "latest.json"));
  const named = typeof pointer?.checkpoint === "string" ? pointer.checkpoint : undefined;
  let newest = named;
  if (!newest) {
    try {
      newest = readdirSync(dir)
        .filter((n) => /^ckpt-\d+$/.test(n))
        .sort(byName)
        .at(-1);
    } catch {
      newest = undefined;
    }
  }
  return newest ? readJson(join(dir, newest, "state.json")) : undefined;
}

/** A JSON object, or undefined when the file is absent; a file that is there but not JSON is MDL561. */
function readJson(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const v = JSON.parse(readFileSync(path, "utf8"));
    return isRecord(v) ? v : undefined;
  } catch (err) {
    return fail("run_unreadable", path, isSystemError(err) ? ioWhy(err) : `not JSON (${(err as Error).message})`);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
/** JSON has no NaN: a metric with no value (the demo's direction score when no pair was right) is null, read as NaN. */
const numbers = (o: Record<string, unknown>): Record<string, number> =>
  Object.fromEntries(
    Object.entries(o).flatMap(([k, v]) => (typeof v === "number" ? [[k, v]] : v === null ? [[k, NaN]] : [])),
  );
