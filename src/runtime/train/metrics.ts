/**
 * RUN/metrics.jsonl: one JSON object per line, `{ step, loss, lr, examples_per_s, ... }` per optimizer step and
 * `{ step, eval: {...} }` per evaluation. On resume the file is cut back to the checkpoint's step, so a run
 * that was killed and resumed leaves the same lines (timings aside) as one that never stopped. Each line is
 * stamped with `time` (Unix seconds) and mirrored to metrics.csv and a TensorBoard event file (scalar-files.ts),
 * which are rewritten along with it on resume.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ioError } from "../../util/io-error.ts";
import { fsyncFile, writeDurableAtomic } from "./durable.ts";
import { ScalarFiles } from "./scalar-files.ts";

export interface MetricsLine {
  step: number;
  [key: string]: unknown;
}

export class MetricsLog {
  readonly path: string;
  readonly scalars: ScalarFiles;

  constructor(run: string) {
    this.path = join(run, "metrics.jsonl");
    this.scalars = new ScalarFiles(run);
  }

  /** Start over (fresh run) or keep what the checkpoint at `upTo` had seen (resume). */
  reset(upTo: number): void {
    const kept = upTo > 0 ? this.read().filter((l) => l.step <= upTo) : [];
    writeDurableAtomic(this.path, kept.map((l) => JSON.stringify(l) + "\n").join(""));
    this.scalars.reset(kept);
  }

  append(untimed: MetricsLine): void {
    const line = { ...untimed, time: untimed.time ?? Math.round(Date.now()) / 1000 };
    const text = JSON.stringify(line) + "\n";
    try {
      appendFileSync(this.path, text);
    } catch (err) {
      // a line cut short here is dropped by read(), and a resume rewrites the file from its checkpoint
      throw ioError(err, this.path, "append to the metrics log", Buffer.byteLength(text));
    }
    this.scalars.append(line);
  }

  /** Make the lines so far durable; called before a checkpoint that claims them. */
  sync(): void {
    try {
      if (existsSync(this.path)) fsyncFile(this.path);
    } catch (err) {
      throw ioError(err, this.path, "flush the metrics log to disk");
    }
    this.scalars.sync();
  }

  /** The complete lines; a line cut short by a kill is dropped. */
  read(): MetricsLine[] {
    if (!existsSync(this.path)) return [];
    const out: MetricsLine[] = [];
    for (const text of readFileSync(this.path, "utf8").split("\n")) {
      if (!text) continue;
      try {
        const l = JSON.parse(text);
        if (typeof l?.step === "number") out.push(l);
      } catch {
        // a partial last line
      }
    }
    return out;
  }
}
