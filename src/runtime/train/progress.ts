/**
 * Progress of long work: a bar on a TTY, plain periodic lines otherwise, so CI logs stay readable. One training
 * run's (loss, lr, throughput, ETA: `createProgress`, a cli-progress bar), and work made of many parts, such as
 * the demo's runs or `mdl eval`'s videos (`createTaskProgress`).
 */
import cliProgress from "cli-progress";

/**
 * `auto`'s choice: a bar only when both the stream it draws on and stdout are terminals, so `mdl demo > log` or
 * `mdl eval | tee` never gets one (a redirected stdout means a log is being kept); plain lines otherwise.
 */
const autoMode = (stream: NodeJS.WriteStream): "bar" | "lines" =>
  stream.isTTY && process.stdout.isTTY ? "bar" : "lines";

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

/** Whole seconds first, so that 119.6 s reads 2m00s, not 1m60s. */
export function fmtTime(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

export function createProgress(
  mode: ProgressMode,
  start: number,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const m = mode === "auto" ? autoMode(stream) : mode;
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
      update: (u) =>
        bar.update(u.step, { loss: u.loss.toFixed(4), lr: u.lr.toExponential(2), eps: u.examplesPerS.toFixed(1) }),
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
      stream.write(
        `step ${u.step}/${total} loss ${u.loss.toFixed(4)} lr ${u.lr.toExponential(2)} ${u.examplesPerS.toFixed(1)} ex/s ETA ${fmtTime(eta)}\n`,
      );
    },
    stop() {},
  };
}

export interface TaskProgress {
  /** `n` more units done; `detail` (what is under way) shows on the bar. */
  tick(n?: number, detail?: string): void;
  /** A line of its own: above the bar on a TTY, as it is otherwise (printed in every mode, "none" included). */
  log(line: string): void;
  stop(): void;
}

export interface TaskOptions {
  label: string;
  total: number;
  /** What a unit is: "steps", "videos". */
  unit: string;
  stream?: NodeJS.WriteStream;
  /** Lines mode: milliseconds between lines (default one a minute: none for work that ends sooner). */
  every?: number;
}

/**
 * Progress over many parts with an ETA from the pace so far. The bar is one line redrawn in place (at most ten
 * times a second), so `log` can print above it; without a TTY a line comes once per `every` at most.
 */
export function createTaskProgress(mode: ProgressMode, o: TaskOptions): TaskProgress {
  const stream = o.stream ?? process.stderr;
  const m = mode === "auto" ? autoMode(stream) : mode;
  const t0 = Date.now();
  let done = 0;
  let detail = "";
  let drawnAt = 0;
  let shown = false;
  const status = () => {
    const eta = done ? ((Date.now() - t0) / 1000 / done) * (o.total - done) : NaN;
    const pct = Math.floor((100 * done) / Math.max(1, o.total));
    return {
      pct,
      text: `${done.toLocaleString("en-US")}/${o.total.toLocaleString("en-US")} ${o.unit}${detail ? `  ${detail}` : ""}  ETA ${fmtTime(eta)}`,
    };
  };
  const draw = () => {
    const { pct, text } = status();
    const width = 24;
    const fill = Math.round((width * pct) / 100);
    stream.write(
      `\r${o.label} |${"\u2588".repeat(fill)}${"\u2591".repeat(width - fill)}| ${String(pct).padStart(3)}% ${text}\x1b[K`,
    );
    shown = true;
    drawnAt = Date.now();
  };
  const clear = () => {
    if (shown) stream.write("\r\x1b[K");
    shown = false;
  };
  return {
    tick(n = 1, d) {
      done = Math.min(o.total, done + n);
      if (d !== undefined) detail = d;
      const now = Date.now();
      if (m === "bar" && (now - drawnAt >= 100 || done === o.total)) draw();
      if (m === "lines" && now - Math.max(drawnAt, t0) >= (o.every ?? 60_000) && done < o.total) {
        drawnAt = now;
        const { pct, text } = status();
        stream.write(`${o.label}: ${pct}% ${text}\n`);
      }
    },
    log(line) {
      if (m === "bar") {
        clear();
        stream.write(line + "\n");
        draw();
      } else stream.write(line + "\n");
    },
    stop() {
      if (m === "bar") clear();
    },
  };
}
