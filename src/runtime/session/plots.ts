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
      cells.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)" stroke="#ccc"/>`);
      if (n) cells.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="10" fill="${shade < 128 ? "#fff" : "#000"}">${n}</text>`);
    });
  });
  const labels = classes.map((c, i) => `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end" font-size="11">${esc(c)}</text>`);
  const cols = classes.map((_, j) => `<text x="${left + j * cell + cell / 2}" y="${top - 8}" text-anchor="middle" font-size="11">${j}</text>`);
  const w = left + K * cell + 20;
  const h = top + K * cell + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...cells,
    ...labels,
    ...cols,
    `<text x="${left}" y="${h - 8}" font-size="11">columns: predicted class id; rows: true class</text>`,
    `</svg>`,
  ].join("\n") + "\n";
}

export interface Curve {
  label: string;
  color: string;
  /** [step, value] points. */
  points: [number, number][];
}

/** Line chart of several curves sharing axes (e.g. the training loss of each model, smoothed). */
export function curvesSvg(curves: readonly Curve[], opts: { title: string; xLabel: string; yLabel: string }): string {
  const W = 640, H = 400, L = 60, R = 170, T = 40, B = 50;
  const all = curves.flatMap((c) => c.points);
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  const yMin = Math.min(...all.map((p) => p[1]));
  const yMax = Math.max(...all.map((p) => p[1]));
  const span = yMax - yMin || 1;
  const sx = (x: number) => L + (x / xMax) * (W - L - R);
  const sy = (y: number) => T + (1 - (y - yMin) / span) * (H - T - B);
  const ticks = Array.from({ length: 5 }, (_, i) => yMin + (span * i) / 4);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${W / 2 - R / 2}" y="22" text-anchor="middle" font-size="14">${esc(opts.title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#000"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#000"/>`,
    ...ticks.map((v) => `<text x="${L - 6}" y="${sy(v) + 4}" text-anchor="end">${v.toFixed(2)}</text><line x1="${L}" y1="${sy(v)}" x2="${W - R}" y2="${sy(v)}" stroke="#eee"/>`),
    `<text x="${L}" y="${H - B + 18}">0</text><text x="${W - R}" y="${H - B + 18}" text-anchor="end">${xMax}</text>`,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">${esc(opts.xLabel)}</text>`,
    `<text x="16" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(T + H - B) / 2})">${esc(opts.yLabel)}</text>`,
  ];
  curves.forEach((c, i) => {
    const d = c.points.map((p, k) => `${k ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(" ");
    out.push(`<path d="${d}" fill="none" stroke="${c.color}" stroke-width="1.5"/>`);
    out.push(`<line x1="${W - R + 12}" y1="${T + 10 + i * 20}" x2="${W - R + 32}" y2="${T + 10 + i * 20}" stroke="${c.color}" stroke-width="3"/>`);
    out.push(`<text x="${W - R + 38}" y="${T + 14 + i * 20}">${esc(c.label)}</text>`);
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/** Exponential moving average, so noisy per-step losses read as a curve. */
export function smooth(points: readonly [number, number][], alpha = 0.1): [number, number][] {
  let m: number | undefined;
  return points.map(([x, y]) => [x, (m = m === undefined ? y : m + alpha * (y - m))]);
}
