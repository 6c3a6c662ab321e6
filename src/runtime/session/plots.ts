/** Small self-contained SVG pictures: a confusion matrix and learning curves (no plotting dependency). */

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Rows are true classes, columns predictions; cell darkness is the row-normalised count. */
export function confusionSvg(confusion: number[][], classes: readonly string[]): string {
  const K = classes.length;
  const cell = 28;
  const left = 220;
  const top = 30;
  const cells: string[] = [];
  confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((n, j) => {
      const shade = Math.round(255 * (1 - n / total));
      const x = left + j * cell;
      const y = top + i * cell;
      cells.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)" stroke="#ccc"/>`,
      );
      if (n)
        cells.push(
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="10" fill="${shade < 128 ? "#fff" : "#000"}">${n}</text>`,
        );
    });
  });
  const labels = classes.map(
    (c, i) =>
      `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end" font-size="11">${esc(c)}</text>`,
  );
  const cols = classes.map(
    (_, j) => `<text x="${left + j * cell + cell / 2}" y="${top - 8}" text-anchor="middle" font-size="11">${j}</text>`,
  );
  const w = left + K * cell + 20;
  const h = top + K * cell + 30;
  return (
    [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">`,
      `<rect width="100%" height="100%" fill="#fff"/>`,
      ...cells,
      ...labels,
      ...cols,
      `<text x="${left}" y="${h - 8}" font-size="11">columns: predicted class id; rows: true class</text>`,
      `</svg>`,
    ].join("\n") + "\n"
  );
}

export interface Curve {
  label: string;
  color: string;
  /** [step, value] points. */
  points: [number, number][];
  /** [step, low, high]: a spread drawn as a translucent band around the line (e.g. over seeds). */
  band?: [number, number, number][];
}

/** About `count` round tick values (1, 2 or 5 times a power of ten apart) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let k = Math.floor(lo / step + 1e-9); k <= Math.ceil(hi / step - 1e-9); k++)
    out.push(Number((k * step).toPrecision(12)));
  return out;
}

/** Tick labels of one axis with the same decimals, as many as the step between ticks needs. */
function tickTexts(ticks: readonly number[]): string[] {
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : Math.abs(ticks[0]) || 1;
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  return ticks.map((v) => v.toFixed(decimals));
}

/**
 * Line chart of several curves sharing axes (e.g. the training loss of each model, smoothed), with round ticks
 * on both axes, axis labels, a legend, and each curve's band where it has one. A curve of one point is a dot.
 */
export function curvesSvg(curves: readonly Curve[], opts: { title: string; xLabel: string; yLabel: string }): string {
  const W = 640,
    H = 400,
    L = 76,
    R = 170,
    T = 40,
    B = 50;
  const xs = curves.flatMap((c) => [...c.points.map((p) => p[0]), ...(c.band ?? []).map((b) => b[0])]);
  const ys = curves
    .flatMap((c) => [...c.points.map((p) => p[1]), ...(c.band ?? []).flatMap((b) => [b[1], b[2]])])
    .filter(Number.isFinite);
  const xTicks = niceTicks(0, Math.max(1, ...xs));
  const yTicks = ys.length ? niceTicks(Math.min(...ys), Math.max(...ys)) : [0, 1];
  const [xMin, xMax] = [0, xTicks.at(-1)!];
  const [yMin, yMax] = [yTicks[0], yTicks.length > 1 ? yTicks.at(-1)! : yTicks[0] + 1];
  const sx = (x: number) => (L + ((x - xMin) / (xMax - xMin)) * (W - L - R)).toFixed(1);
  const sy = (y: number) => (T + (1 - (y - yMin) / (yMax - yMin)) * (H - T - B)).toFixed(1);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${(L + W - R) / 2}" y="22" text-anchor="middle" font-size="14">${esc(opts.title)}</text>`,
    `<g class="grid" stroke="#eee">`,
    ...yTicks.map((v) => `<line x1="${L}" y1="${sy(v)}" x2="${W - R}" y2="${sy(v)}"/>`),
    `</g>`,
    `<g class="axes" stroke="#000">`,
    `<line class="axis x" x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}"/>`,
    `<line class="axis y" x1="${L}" y1="${T}" x2="${L}" y2="${H - B}"/>`,
    ...xTicks.map((v) => `<line class="tick x" x1="${sx(v)}" y1="${H - B}" x2="${sx(v)}" y2="${H - B + 5}"/>`),
    ...yTicks.map((v) => `<line class="tick y" x1="${L - 5}" y1="${sy(v)}" x2="${L}" y2="${sy(v)}"/>`),
    `</g>`,
    ...tickTexts(xTicks).map(
      (t, i) => `<text class="tick-label x" x="${sx(xTicks[i])}" y="${H - B + 18}" text-anchor="middle">${t}</text>`,
    ),
    ...tickTexts(yTicks).map(
      (t, i) =>
        `<text class="tick-label y" x="${L - 8}" y="${Number(sy(yTicks[i])) + 4}" text-anchor="end">${t}</text>`,
    ),
    `<text class="axis-label x" x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">${esc(opts.xLabel)}</text>`,
    `<text class="axis-label y" x="16" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(T + H - B) / 2})">${esc(opts.yLabel)}</text>`,
  ];
  for (const c of curves) {
    if (!c.band?.length) continue;
    const edge = [
      ...c.band.map((b) => `${sx(b[0])},${sy(b[2])}`),
      ...[...c.band].reverse().map((b) => `${sx(b[0])},${sy(b[1])}`),
    ];
    out.push(`<path class="band" d="M${edge.join(" L")} Z" fill="${c.color}" fill-opacity="0.18" stroke="none"/>`);
  }
  curves.forEach((c, i) => {
    if (c.points.length === 1)
      out.push(`<circle class="line" cx="${sx(c.points[0][0])}" cy="${sy(c.points[0][1])}" r="3" fill="${c.color}"/>`);
    else if (c.points.length)
      out.push(
        `<path class="line" d="${c.points.map((p, k) => `${k ? "L" : "M"}${sx(p[0])},${sy(p[1])}`).join(" ")}" fill="none" ` +
          `stroke="${c.color}" stroke-width="1.5"/>`,
      );
    out.push(
      `<line class="legend" x1="${W - R + 12}" y1="${T + 10 + i * 20}" x2="${W - R + 32}" y2="${T + 10 + i * 20}" stroke="${c.color}" stroke-width="3"/>`,
    );
    out.push(`<text x="${W - R + 38}" y="${T + 14 + i * 20}">${esc(c.label)}</text>`);
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/** Several charts one above the other in one picture (each keeps its own axes). */
export function stackSvgs(svgs: readonly string[]): string {
  if (svgs.length === 1) return svgs[0];
  const size = (s: string) => /width="(\d+)" height="(\d+)"/.exec(s)!.slice(1).map(Number);
  const W = Math.max(...svgs.map((s) => size(s)[0]));
  let y = 0;
  const parts = svgs.map((s) => {
    const part = s.trimEnd().replace("<svg ", `<svg y="${y}" `);
    y += size(s)[1];
    return part;
  });
  return (
    [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}">`,
      ...parts,
      `</svg>`,
    ].join("\n") + "\n"
  );
}

/** Exponential moving average, so noisy per-step losses read as a curve. */
export function smooth(points: readonly [number, number][], alpha = 0.1): [number, number][] {
  let m: number | undefined;
  return points.map(([x, y]) => [x, (m = m === undefined ? y : m + alpha * (y - m))]);
}
