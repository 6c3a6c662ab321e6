/**
 * `mdl runs plot`: one chart per metric, one line per variant (the mean over its runs, at the steps they share)
 * with the spread over runs as a translucent band. The demo draws its curves through `plotRuns`.
 */
import { meanSd } from "../../runtime/session/compare.ts";
import { curvesSvg, smooth, stackSvgs, type Curve } from "../../runtime/session/plots.ts";
import { seriesOf, type RunRecord } from "./read.ts";
import { byVariant } from "./table.ts";

export type Band = "minmax" | "sd" | "none";

export interface PlotOptions {
  metrics: readonly string[];
  /**
   * Exponential moving average weight of a new point (0.1 is the demo's); 0 or 1 draws the values as logged.
   * Only per-step noise is smoothed: the learning rate and evaluations are drawn as logged.
   */
  smooth: number;
  band: Band;
  /** Line colours by variant; the others take the palette's in turn. */
  colors?: ReadonlyMap<string, string>;
  /** Chart title per metric; default: the metric and how many runs each line is the mean of. */
  title?: (metric: string, runsPerLine: number[]) => string;
}

// matplotlib's tab10, for variants the caller gave no colour
const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

const LABELS: Record<string, string> = { loss: "training loss", lr: "learning rate", examples_per_s: "examples / s" };

/** The chart's y-axis label for a metric. */
export const metricLabel = (metric: string) =>
  LABELS[metric] ?? (metric.startsWith("eval/") ? `validation ${metric.slice(5)}` : metric);

export function plotRuns(runs: readonly RunRecord[], o: PlotOptions): string {
  const groups = byVariant(runs);
  const colors = new Map(o.colors);
  let next = 0;
  for (const g of groups) if (!colors.has(g.variant)) colors.set(g.variant, PALETTE[next++ % PALETTE.length]);
  const charts = o.metrics.map((metric) => {
    const curves = groups.map((g) => curveOf(g.variant, colors.get(g.variant)!, g.runs, metric, o));
    const counts = groups.map((g) => g.runs.length);
    const title =
      o.title?.(metric, counts) ??
      `${metricLabel(metric)} (${describe(counts)}${smoothing(metric, o.smooth) ? ", smoothed" : ""})`;
    return curvesSvg(curves, { title, xLabel: "step", yLabel: metricLabel(metric) });
  });
  return stackSvgs(charts);
}

const smoothing = (metric: string, alpha: number) =>
  alpha > 0 && alpha < 1 && metric !== "lr" && !metric.startsWith("eval/");

const describe = (counts: number[]) => {
  const lo = Math.min(...counts);
  const hi = Math.max(...counts);
  return hi === 1 ? "one run each" : lo === hi ? `mean of ${lo} runs` : `mean of ${lo}–${hi} runs`;
};

/** Each run smoothed on its own, then the mean and the band at every step that every run logged. */
function curveOf(label: string, color: string, runs: readonly RunRecord[], metric: string, o: PlotOptions): Curve {
  const smoothed = runs.map((r) => {
    const s = seriesOf(r, metric);
    return new Map(smoothing(metric, o.smooth) ? smooth(s, o.smooth) : s);
  });
  const steps = [...smoothed[0].keys()].filter((x) => smoothed.every((m) => m.has(x))).sort((a, b) => a - b);
  const points: [number, number][] = [];
  const band: [number, number, number][] = [];
  for (const x of steps) {
    const ys = smoothed.map((m) => m.get(x)!);
    const { mean, sd } = meanSd(ys);
    points.push([x, mean]);
    if (o.band === "minmax") band.push([x, Math.min(...ys), Math.max(...ys)]);
    if (o.band === "sd") band.push([x, mean - sd, mean + sd]);
  }
  return { label, color, points, band: runs.length > 1 && band.length ? band : undefined };
}
