/** The live loss curve of in-page training, on a canvas (no chart library for a dozen points). */
export function drawLoss(canvas: HTMLCanvasElement, losses: number[], label: string): void {
  const g = canvas.getContext("2d")!;
  const { width: w, height: h } = canvas;
  g.clearRect(0, 0, w, h);
  g.strokeStyle = "#ccd";
  g.strokeRect(0.5, 0.5, w - 1, h - 1);
  const lo = Math.min(...losses);
  const hi = Math.max(...losses);
  const span = hi - lo || 1;
  const pad = 20;
  g.strokeStyle = "#1f5fb0";
  g.lineWidth = 2;
  g.beginPath();
  losses.forEach((l, i) => {
    const x = pad + ((w - 2 * pad) * i) / Math.max(1, losses.length - 1);
    const y = pad + (h - 2 * pad) * (1 - (l - lo) / span);
    if (i) g.lineTo(x, y);
    else g.moveTo(x, y);
  });
  g.stroke();
  g.fillStyle = "#1d1f23";
  g.font = "12px system-ui";
  g.fillText(label, pad, 14);
}
