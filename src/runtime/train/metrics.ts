/**
 * RUN/metrics.jsonl: one JSON object per line, `{ step, loss, lr, examples_per_s, ... }` per optimizer step and
 * `{ step, eval: {...} }` per evaluation. On resume the file is cut back to the checkpoint's step, so a run
 * that was killed and resumed leaves the same lines (timings aside) as one that never stopped.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ioError } from "../../util/io-error.ts";
import { fsyncFile, writeDurableAtomic } from "./durable.ts";

export interface MetricsLine {
  step: number;
  [key: string]: unknown;
}

export class MetricsLog {
  readonly path: string;

  constructor(run: string) {
    this.path = join(run, "metrics.jsonl");
  }

  /** Start over (fresh run) or keep what the checkpoint at `upTo` had seen (resume). */
  reset(upTo: number): void {
    const kept = upTo > 0 ? this.read().filter((l) => l.step <= upTo) : [];
    writeDurableAtomic(this.path, kept.map((l) => JSON.stringify(l) + "\n").join(""));
  }

  append(line: MetricsLine): void {
    const text = JSON.stringify(line) + "\n";
    try {
      appendFileSync(this.path, text);
    } catch (err) {
      // a line cut short here is dropped by read(), and a resume rewrites the file from its checkpoint
      throw ioError(err, this.path, "append to the metrics log", Buffer.byteLength(text));
    }
  }

  /** Make the lines so far durable; called before a checkpoint that claims them. */
  sync(): void {
    try {
      if (existsSync(this.path)) fsyncFile(this.path);
    } catch (err) {
      throw ioError(err, this.path, "flush the metrics log to disk");
    }
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
