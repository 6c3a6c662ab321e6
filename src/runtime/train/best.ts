/**
 * RUN/best/: the weights of the evaluation that scored best so far by one metric (weights.safetensors in the
 * checkpoints' torch layout, and best.json `{ step, metric, value }`). Higher is better, except for `loss`.
 *
 * It is replaced whole: filled under a temp name, fsync'd, then swapped in by two renames. A kill between them
 * leaves no best/, and the next start puts it back. Each checkpoint records the best so far (state.json's `best`)
 * and keeps its weights as ckpt-N/best.safetensors, a hard link that costs no space while best/ holds the same
 * file; a resume from ckpt-N makes best/ that one again, so best/ never reflects an evaluation after the
 * checkpoint a run goes on from.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { ioError } from "../../util/io-error.ts";
import { safetensorsParts } from "../weights/safetensors.ts";
import type { HostTensor } from "../weights/tensor.ts";
import { fsyncDir, sha256File, writeSynced } from "./durable.ts";
import { linkOrCopy } from "./link.ts";

export const BEST = "best";
export const BEST_IN_CHECKPOINT = "best.safetensors";

export interface Best {
  step: number;
  metric: string;
  value: number;
  /** Of best/weights.safetensors as written. */
  sha256: string;
}

export const lowerIsBetter = (metric: string) => metric === "loss";

/** Whether `value` beats the best so far; a tie keeps the earlier step. */
export function improves(best: Best | undefined, metric: string, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (!best) return true;
  return lowerIsBetter(metric) ? value < best.value : value > best.value;
}

export function saveBest(run: string, weights: Map<string, HostTensor>, b: Omit<Best, "sha256">): Best {
  return swapIn(run, (dir) => writeSynced(join(dir, "weights.safetensors"), safetensorsParts(weights)).sha256, b);
}

/**
 * Make best/ what checkpoint `ckpt` recorded: none when it recorded no best, else its best.safetensors
 * (checked against the SHA-256 it recorded). A best/ that already matches is left as it is.
 */
export function restoreBest(run: string, ckpt: string, b: Best | undefined): void {
  const dir = join(run, BEST);
  if (!b) return void removeBest(run);
  if (matches(dir, b)) return;
  const from = join(ckpt, BEST_IN_CHECKPOINT);
  if (!existsSync(from) || sha256File(from) !== b.sha256)
    fail(
      "checkpoint_state",
      ckpt,
      `${BEST_IN_CHECKPOINT} is missing or is not the file that was written (SHA-256 differs)`,
    );
  swapIn(run, (tmp) => (linkOrCopy(from, join(tmp, "weights.safetensors")), b.sha256), b);
}

export function removeBest(run: string): void {
  const dir = join(run, BEST);
  if (!existsSync(dir)) return;
  const trash = join(run, `.trash-${BEST}.${process.pid}`);
  renameSync(dir, trash);
  rmSync(trash, { recursive: true, force: true });
}

function matches(dir: string, b: Best): boolean {
  try {
    const j = JSON.parse(readFileSync(join(dir, "best.json"), "utf8"));
    return (
      j.step === b.step &&
      j.metric === b.metric &&
      j.value === b.value &&
      sha256File(join(dir, "weights.safetensors")) === b.sha256
    );
  } catch {
    return false;
  }
}

function swapIn(run: string, fill: (dir: string) => string, b: Omit<Best, "sha256">): Best {
  const tmp = join(run, `.${BEST}.${process.pid}.tmp`);
  const final = join(run, BEST);
  try {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const sha256 = fill(tmp);
    writeSynced(join(tmp, "best.json"), JSON.stringify({ step: b.step, metric: b.metric, value: b.value }) + "\n");
    fsyncDir(tmp);
    removeBest(run);
    renameSync(tmp, final);
    fsyncDir(run);
    return { step: b.step, metric: b.metric, value: b.value, sha256 };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw ioError(err, final, "write the best weights");
  }
}
