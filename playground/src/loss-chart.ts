/**
 * The live loss curve of in-page training, as SVG with both axes (step, loss), their ticks and labels; no
 * chart library for a few dozen points. Parts carry classes (axis x/y, tick, axis-label) a test can find.
 */
const W = 440;
const H = 190;
const M = { left: 56, right: 14, top: 24, bottom: 40 };

/** About `n` round tick values (1, 2 or 5 times a power of ten), the first <= lo and the last >= hi. */
export function ticks(lo: number, hi: number, n = 4): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / n;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * pow).find((s) => s >= raw)!;
  const first = Math.floor(lo / step);
  const last = Math.max(first + 1, Math.ceil(hi / step - 1e-9));
  return Array.from({ length: last - first + 1 }, (_, i) => Number(((first + i) * step).toPrecision(12)));
}

const tickText = (v: number) =>
  Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : String(Number(v.toPrecision(4)));

export function drawLoss(svg: HTMLElement, losses: number[], steps: number, title: string): void {
  const ys = ticks(losses.length ? Math.min(...losses) : 0, losses.length ? Math.max(...losses) : 1);
  const [lo, hi] = [ys[0], ys[ys.length - 1]];
  const xs = ticks(1, steps, 5).filter((s) => s >= 1 && s <= steps);
  const x = (step: number) => M.left + ((W - M.left - M.right) * (step - 1)) / Math.max(1, steps - 1);
  const y = (l: number) => M.top + (H - M.top - M.bottom) * (1 - (l - lo) / (hi - lo));
  const [x0, x1, y0, y1] = [M.left, W - M.right, H - M.bottom, M.top];
  const path = losses.map((l, i) => `${i ? "L" : "M"}${x(i + 1).toFixed(1)},${y(l).toFixed(1)}`).join("");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.innerHTML =
    `<text class="title" x="${M.left}" y="15">${title.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</text>` +
    `<g class="axis x"><line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}"/>` +
    xs
      .map(
        (s) =>
          `<g class="tick"><line x1="${x(s)}" y1="${y0}" x2="${x(s)}" y2="${y0 + 4}"/><text x="${x(s)}" y="${y0 + 15}" text-anchor="middle">${s}</text></g>`,
      )
      .join("") +
    `<text class="axis-label" x="${(x0 + x1) / 2}" y="${H - 4}" text-anchor="middle">step</text></g>` +
    `<g class="axis y"><line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}"/>` +
    ys
      .map(
        (v) =>
          `<g class="tick"><line x1="${x0 - 4}" y1="${y(v)}" x2="${x0}" y2="${y(v)}"/><text x="${x0 - 6}" y="${y(v) + 4}" text-anchor="end">${tickText(v)}</text></g>`,
      )
      .join("") +
    `<text class="axis-label" transform="translate(13 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">loss</text></g>` +
    `<path class="curve" d="${path}"/>`;
}
