/**
 * Which checkpoint a resume starts from. `--resume` takes the one latest.json names if it verifies, else the
 * newest older one that does, with a notice for each one skipped and why; `--resume-from` takes the one given,
 * or fails saying why it does not verify. Verifying: state.json readable, the tensor files present with the
 * size and SHA-256 that state.json recorded (when it recorded them), readable as safetensors, every float finite.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { MdlError, diag, fail, type Diagnostic } from "../../compiler/diagnostics/diagnostic.ts";
import { nonFiniteTensors } from "../weights/finite.ts";
import type { HostTensor } from "../weights/tensor.ts";
import {
  loadCheckpoint,
  readPointer,
  stepOf,
  TENSOR_FILES,
  type Checkpoint,
  type CheckpointState,
} from "./checkpoint.ts";
import { sha256File } from "./durable.ts";

export interface Resumable {
  checkpoint: Checkpoint;
  /** latest.json must be moved to it before training goes on (it names a newer, damaged or skipped, checkpoint). */
  repoint: boolean;
}

/** Why `dir` is not a checkpoint to resume from, or the checkpoint itself. */
export function verifyCheckpoint(dir: string): Checkpoint | { why: string } {
  if (!existsSync(dir)) return { why: "the directory is missing" };
  let state: CheckpointState | undefined;
  try {
    state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8"));
  } catch (err) {
    return { why: `state.json is ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "unreadable"}` };
  }
  for (const file of TENSOR_FILES) {
    const path = join(dir, file);
    if (!existsSync(path)) return { why: `${file} is missing` };
    const rec = state?.files?.[file];
    if (!rec) continue;
    const bytes = statSync(path).size;
    if (bytes !== rec.bytes) return { why: `${file} has ${bytes} bytes, ${rec.bytes} were written` };
    if (sha256File(path) !== rec.sha256) return { why: `${file} is not the file that was written (SHA-256 differs)` };
  }
  let c: Checkpoint;
  try {
    c = loadCheckpoint(dir);
  } catch (err) {
    if (err instanceof MdlError) return { why: err.diagnostic.message };
    throw err;
  }
  const bad = nonFinite(c.weights) ?? nonFinite(c.optimizer);
  return bad ? { why: bad } : c;
}

function nonFinite(tensors: Map<string, HostTensor>): string | undefined {
  const [bad] = nonFiniteTensors(tensors);
  if (!bad) return undefined;
  const n = bad.nan + bad.inf;
  return `\`${bad.name}\` holds ${n} NaN or infinite value${n === 1 ? "" : "s"}`;
}

/**
 * `resume` true: the newest checkpoint of `run` that verifies (undefined when the run has none: a fresh start);
 * a string: that checkpoint (`ckpt-N` names one of `run`'s; anything else is a path). `notice` hears of each checkpoint skipped.
 */
export function checkpointToResume(
  run: string,
  resume: true | string,
  notice: (d: Diagnostic) => void,
): Resumable | undefined {
  if (typeof resume === "string") {
    const dir = /^ckpt-\d+$/.test(resume) ? join(run, resume) : resume;
    const c = verifyCheckpoint(dir);
    if ("why" in c) return fail("checkpoint_state", dir, c.why);
    const inRun = resolve(dirname(dir)) === resolve(run);
    return { checkpoint: c, repoint: inRun && readPointer(run)?.checkpoint !== basename(dir) };
  }
  const { candidates, pointerWhy } = candidatesOf(run);
  if (pointerWhy)
    notice(diag("checkpoint_skipped", join(run, "latest.json"), pointerWhy, "the newest checkpoint that verifies"));
  const skipped: { dir: string; why: string }[] = [];
  for (const name of candidates) {
    const dir = join(run, name);
    const c = verifyCheckpoint(dir);
    if ("why" in c) {
      skipped.push({ dir, why: c.why });
      continue;
    }
    for (const s of skipped) notice(diag("checkpoint_skipped", s.dir, s.why, name));
    return { checkpoint: c, repoint: skipped.length > 0 || !!pointerWhy };
  }
  if (!skipped.length) return undefined;
  // every reason on one line, capped: a run with many damaged checkpoints still fails in a few lines
  const listed = skipped.slice(0, 4).map((s) => `${basename(s.dir)}: ${s.why.slice(0, 160)}`);
  if (skipped.length > 4) listed.push(`${skipped.length - 4} more`);
  return fail("checkpoint_state", run, `no checkpoint verifies (${listed.join("; ")})`);
}

/**
 * The checkpoint latest.json names, then older ones, newest first. A ckpt- directory newer than the pointer was
 * never published (a kill before the pointer moved) and is not a candidate; with an unreadable pointer every
 * ckpt- directory is.
 */
function candidatesOf(run: string): { candidates: string[]; pointerWhy?: string } {
  if (!existsSync(run)) return { candidates: [] };
  const all = readdirSync(run)
    .filter((e) => stepOf(e) !== undefined)
    .sort((a, b) => stepOf(b)! - stepOf(a)!);
  let pointer: { checkpoint: string } | undefined;
  try {
    pointer = readPointer(run);
  } catch (err) {
    if (!(err instanceof MdlError)) throw err;
    return { candidates: all, pointerWhy: err.diagnostic.message.replace(/^cannot resume: /, "") };
  }
  if (!pointer) return { candidates: [] };
  const newest = stepOf(pointer.checkpoint)!;
  return { candidates: [pointer.checkpoint, ...all.filter((e) => stepOf(e)! < newest)] };
}
