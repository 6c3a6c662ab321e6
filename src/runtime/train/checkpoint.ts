/**
 * Training checkpoints. Each save is a directory RUN/ckpt-<step>/ holding weights.safetensors,
 * optimizer.safetensors and state.json; RUN/latest.json names the newest complete one.
 *
 * Crash safety (SIGKILL or power cut at any instant): the directory is filled under a temporary name,
 * every file fsync'd, then renamed into place; latest.json is replaced last (temp + fsync + rename).
 * Until that rename the old pointer names the old, untouched checkpoint; after it, the new one is complete.
 * Older checkpoints are removed only after the pointer moved, keeping the newest `keep`.
 * state.json records each tensor file's size and SHA-256, so a resume can tell a damaged checkpoint (recover.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { fail, invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { readSafetensors, safetensorsParts } from "../weights/safetensors.ts";
import type { HostTensor } from "../weights/tensor.ts";
import { ioError } from "../../util/io-error.ts";
import { fsyncDir, writeDurableAtomic, writeSynced, type FileRecord } from "./durable.ts";
import { LOCK, pidAlive } from "./run-lock.ts";
import type { Best } from "./best.ts";
import { linkOrCopy } from "./link.ts";

export const CHECKPOINT_FORMAT = 1;

export interface CheckpointState {
  format: number;
  /** Optimizer updates completed. */
  step: number;
  rng: unknown;
  optimizerStep: number;
  /** What makes the data order and batches reproducible; a resume must match it. */
  schedule: { seed: number; dataSize: number; batch: number; accum: number; totalSteps: number };
  config?: unknown;
  irHash?: string;
  /** Last training loss and the latest evaluation, for `mdl` to show without reading metrics.jsonl. */
  metrics: { loss?: number; eval?: Record<string, number> };
  extra?: unknown;
  /** The best evaluation up to this step (--eval-every); its weights are this checkpoint's best.safetensors (best.ts). */
  best?: Best;
  /** weights.safetensors and optimizer.safetensors as written (absent in checkpoints saved before it was recorded). */
  files?: Record<string, FileRecord>;
}

export interface Checkpoint {
  dir: string;
  state: CheckpointState;
  weights: Map<string, HostTensor>;
  optimizer: Map<string, HostTensor>;
}

/** Stages of a save, reported to `onPhase` (progress, logging, fault-injection tests). */
export type SavePhase = "files-written" | "dir-renamed" | "pointer-staged" | "pointer-written";

const LATEST = "latest.json";
export const TENSOR_FILES = ["weights.safetensors", "optimizer.safetensors"] as const;
const dirName = (step: number) => `ckpt-${step}`;
export const stepOf = (name: string) => (/^ckpt-(\d+)$/.exec(name) ? Number(name.slice(5)) : undefined);

export function saveCheckpoint(
  run: string,
  c: Omit<Checkpoint, "dir">,
  /** `links`: more files the checkpoint holds, by name, each a second name of a file never written in place. */
  opts: { keep?: number; onPhase?: (phase: SavePhase) => void; links?: Record<string, string> } = {},
): string {
  const keep = opts.keep ?? 2;
  invariant(keep >= 1, "keep at least one checkpoint");
  mkdirSync(run, { recursive: true });
  const name = dirName(c.state.step);
  invariant(readPointer(run)?.checkpoint !== name, `checkpoint ${name} is already the latest`);
  const tmp = join(run, `.${name}.${process.pid}.tmp`);
  // streamed tensor by tensor: X-CLIP-B/32's weights and moments are 1.8 GB that a concatenated copy would double
  const parts = [safetensorsParts(c.weights), safetensorsParts(c.optimizer)];
  const needed = parts.flat().reduce((n, p) => n + p.byteLength, 0);
  const final = join(run, name);
  try {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    const files = {
      [TENSOR_FILES[0]]: writeSynced(join(tmp, TENSOR_FILES[0]), parts[0]),
      [TENSOR_FILES[1]]: writeSynced(join(tmp, TENSOR_FILES[1]), parts[1]),
    };
    for (const [name, from] of Object.entries(opts.links ?? {})) linkOrCopy(from, join(tmp, name));
    writeSynced(join(tmp, "state.json"), JSON.stringify({ ...c.state, files }, null, 1) + "\n");
    fsyncDir(tmp);
    opts.onPhase?.("files-written");

    // A same-step directory left by a crash after its rename but before the pointer moved: not referenced.
    if (existsSync(final)) discard(run, name);
    renameSync(tmp, final);
    fsyncDir(run);
  } catch (err) {
    // a failed save leaves nothing behind: its temp directory would hold the space a retry needs
    rmSync(tmp, { recursive: true, force: true });
    throw ioError(err, final, `save checkpoint ${name}`, needed);
  }
  opts.onPhase?.("dir-renamed");

  // a kill before the pointer's rename leaves the old one, and its temp file for prune
  try {
    pointTo(run, c.state.step, () => opts.onPhase?.("pointer-staged"));
  } catch (err) {
    // latest.json still names the previous checkpoint; this one is referenced by nothing
    try {
      discard(run, name);
    } catch {
      // a later save of this step discards it (above)
    }
    throw err;
  }
  opts.onPhase?.("pointer-written");
  prune(run, c.state.step, keep);
  return final;
}

/** Rename first so a kill during the removal never leaves a half directory under a ckpt- name. */
function discard(run: string, entry: string): void {
  const trash = join(run, `.trash-${entry}.${process.pid}`);
  renameSync(join(run, entry), trash);
  rmSync(trash, { recursive: true, force: true });
}

function prune(run: string, current: number, keep: number): void {
  const entries = readdirSync(run);
  const older = entries
    .map((e) => ({ e, step: stepOf(e) }))
    .filter((x): x is { e: string; step: number } => x.step !== undefined && x.step <= current)
    .sort((a, b) => b.step - a.step);
  for (const { e } of older.slice(keep)) discard(run, e);
  removeLeftovers(run, entries);
}

/** Temp entries of saves, removals, metrics and record rewrites and lock files, each named with its writer's PID. */
const LEFTOVER =
  /^(?:\.(?:ckpt-\d+|latest\.json|metrics\.jsonl|config\.json|sources|best)\.(\d+)\.tmp|\.trash-(?:ckpt-\d+|sources|best|run)\.(\d+)|run\.lock(?:\.takeover)?\.(\d+)\.tmp)$/;

/**
 * Leftovers of interrupted saves and removals: this process's own and those of processes no longer alive.
 * A live writer's are never touched (the run lock keeps a second writer out; this holds even without it).
 */
export function removeLeftovers(run: string, entries: string[] = readdirSync(run)): void {
  for (const e of entries) {
    const m = LEFTOVER.exec(e);
    const pid = m && Number(m[1] ?? m[2] ?? m[3]);
    if (pid && (pid === process.pid || !pidAlive(pid))) rmSync(join(run, e), { recursive: true, force: true });
  }
}

/**
 * --overwrite: everything of the run folder but its lock moves into one trash folder, latest.json first (after
 * that rename the folder holds no run), then the trash is removed. A kill part way leaves a folder that holds no
 * run and a trash folder that the next start removes.
 */
export function clearRun(run: string): void {
  const trash = join(run, `.trash-run.${process.pid}`);
  mkdirSync(trash, { recursive: true });
  const entries = readdirSync(run).filter((e) => e !== LOCK && e !== basename(trash) && !LEFTOVER.test(e));
  entries.sort((a, b) => Number(b === LATEST) - Number(a === LATEST));
  for (const e of entries) renameSync(join(run, e), join(trash, e));
  fsyncDir(run);
  rmSync(trash, { recursive: true, force: true });
}

/** Make RUN/latest.json name ckpt-<step> (temp + fsync + rename); `staged` runs before the rename. */
export function pointTo(run: string, step: number, staged?: () => void): void {
  writeDurableAtomic(join(run, LATEST), JSON.stringify({ checkpoint: dirName(step), step }) + "\n", staged);
}

export function readPointer(run: string): { checkpoint: string; step: number } | undefined {
  const path = join(run, LATEST);
  if (!existsSync(path)) return undefined;
  let p: unknown;
  try {
    p = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    return fail("checkpoint_state", path, `unreadable pointer: ${(err as Error).message}`);
  }
  const ok = typeof p === "object" && p !== null && typeof (p as { checkpoint?: unknown }).checkpoint === "string";
  if (!ok || stepOf((p as { checkpoint: string }).checkpoint) === undefined)
    return fail("checkpoint_state", path, "it does not name a ckpt-<step> directory");
  return p as { checkpoint: string; step: number };
}

/** The directory latest.json points to, or undefined when the run has no checkpoint yet. */
export function latestCheckpoint(run: string): string | undefined {
  const p = readPointer(run);
  return p && join(run, p.checkpoint);
}

export function loadCheckpoint(dir: string): Checkpoint {
  const statePath = join(dir, "state.json");
  if (!existsSync(statePath)) fail("checkpoint_state", dir, "no state.json in the checkpoint directory");
  let state: CheckpointState;
  try {
    state = JSON.parse(readFileSync(statePath, "utf8"));
  } catch (err) {
    return fail("checkpoint_state", statePath, `unreadable: ${(err as Error).message}`);
  }
  if (state.format !== CHECKPOINT_FORMAT || !Number.isInteger(state.step))
    fail("checkpoint_state", statePath, `not a training state of format ${CHECKPOINT_FORMAT}`);
  return {
    dir,
    state,
    weights: readSafetensors(join(dir, "weights.safetensors")).tensors,
    optimizer: readSafetensors(join(dir, "optimizer.safetensors")).tensors,
  };
}
