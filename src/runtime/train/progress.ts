/**
 * Training progress: a cli-progress bar (loss, lr, throughput, ETA) on a TTY, plain periodic lines otherwise,
 * so CI logs stay readable.
 */
import cliProgress from "cli-progress";

export type ProgressMode = "auto" | "bar" | "lines" | "none";

export interface ProgressUpdate {
  step: number;
  loss: number;
  lr: number;
  examplesPerS: number;
}

export interface Progress {
  update(u: ProgressUpdate): void;
  stop(): void;
}

const fmtTime = (s: number) =>
  !Number.isFinite(s) ? "?" : s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${Math.round(s)}s`;

export function createProgress(mode: ProgressMode, start: number, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const m = mode === "auto" ? (stream.isTTY ? "bar" : "lines") : mode;
  if (m === "none") return { update() {}, stop() {} };
  if (m === "bar") {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: "train |{bar}| {value}/{total} loss {loss} lr {lr} {eps} ex/s ETA {eta_formatted}",
        etaBuffer: 50,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, start, { loss: "-", lr: "-", eps: "-" });
    return {
      update: (u) => bar.update(u.step, { loss: u.loss.toFixed(4), lr: u.lr.toExponential(2), eps: u.examplesPerS.toFixed(1) }),
      stop: () => bar.stop(),
    };
  }
  // Plain lines: about 20 per run, and at least every 30 s so a slow run still shows life.
  const every = Math.max(1, Math.round((total - start) / 20));
  const t0 = Date.now();
  let lastAt = t0;
  return {
    update(u) {
      const now = Date.now();
      if ((u.step - start) % every !== 0 && u.step !== total && now - lastAt < 30_000) return;
      lastAt = now;
      const eta = ((now - t0) / 1000 / Math.max(1, u.step - start)) * (total - u.step);
      stream.write(`step ${u.step}/${total} loss ${u.loss.toFixed(4)} lr ${u.lr.toExponential(2)} ${u.examplesPerS.toFixed(1)} ex/s ETA ${fmtTime(eta)}\n`);
    },
    stop() {},
  };
}
