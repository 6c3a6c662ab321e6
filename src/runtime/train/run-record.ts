/**
 * What a run folder records about how it was made, beside its checkpoints: RUN/config.json (mdl's version, the
 * git commit, the model and its flags, the seed, every training flag with its default filled in, the resolved
 * hyperparameters, what trains at which rate, the environment) and RUN/sources/ (the .mdl files the model
 * compiled from). Both are written at the first start under the run lock; a resume keeps them as they were,
 * so they say how the run began. `mdl runs` reads config.json.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { diag, type Diagnostic } from "../../compiler/diagnostics/diagnostic.ts";
import { ioError } from "../../util/io-error.ts";
import { fsyncDir, writeDurableAtomic, writeSynced } from "./durable.ts";

export const CONFIG = "config.json";
export const SOURCES = "sources";

export interface RunConfig {
  mdl_version: string;
  git_commit: string | null;
  started_at: string;
  model: { file: string; name: string; preset: string | null; set: string[]; replace: string[]; remove: string[] };
  variant: string;
  seed: number;
  flags: Record<string, unknown>;
  hyperparameters: Record<string, unknown>;
  training: {
    trainable: number;
    frozen: number;
    lr_groups: { pattern: string; lr: number; params: number }[];
    steps: number;
    batch: number;
    accum: number;
  };
  environment: { engine: string; threads: number; cpu: string; device: string | null; node: string };
}

/** `git rev-parse HEAD` of the repository holding `file`; null outside one, or without git (never an error). */
export function gitCommit(file: string): string | null {
  const r = spawnSync("git", ["rev-parse", "HEAD"], {
    cwd: dirname(resolve(file)),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
    timeout: 10_000,
  });
  const sha = r.status === 0 ? r.stdout.trim() : "";
  return /^[0-9a-f]{40,64}$/.test(sha) ? sha : null;
}

/**
 * The sources under RUN/sources/, each at its path relative to the folder that holds them all: the entry
 * file's folder, unless an import reaches above it (`../xclip.mdl` from models/variants/), then the nearest
 * folder above both. So `mdl train RUN/sources/<entry>` compiles the same model. std is built into mdl and is not copied.
 */
export function sourceLayout(files: readonly { name: string; text: string }[]): { path: string; text: string }[] {
  const abs = files.map((f) => ({ abs: resolve(f.name), text: f.text }));
  if (!abs.length) return [];
  let root = dirname(abs[0].abs);
  while (!abs.every((f) => f.abs.startsWith(root + sep))) root = dirname(root);
  return abs.map((f) => ({ path: relative(root, f.abs), text: f.text }));
}

/**
 * Write config.json and sources/ for a run that starts now. A run resumed from a checkpoint keeps the files of
 * its first start; when its flags differ from them, `notice` hears one line saying which.
 */
export function recordRun(
  run: string,
  config: RunConfig,
  sources: readonly { path: string; text: string }[],
  resumed: boolean,
  notice: (d: Diagnostic) => void,
): void {
  const path = join(run, CONFIG);
  const first = resumed ? readRunConfig(run) : undefined;
  if (first) {
    const changes = flagChanges(first.flags, config.flags);
    if (changes.length) notice(diag("resumed_flags_differ", path, changes.join(", ")));
    return;
  }
  writeSources(run, sources);
  writeDurableAtomic(path, JSON.stringify(config, null, 1) + "\n");
}

export function readRunConfig(run: string): RunConfig | undefined {
  try {
    return JSON.parse(readFileSync(join(run, CONFIG), "utf8"));
  } catch {
    return undefined;
  }
}

/** Flags that say how to continue, not how the run was made, differ between a start and its resumes by design. */
const HOW_TO_CONTINUE = new Set(["resume", "resume-from", "overwrite"]);

function flagChanges(before: Record<string, unknown>, now: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(now)])].filter((k) => !HOW_TO_CONTINUE.has(k));
  const show = (v: unknown) => (v === undefined ? "unset" : JSON.stringify(v));
  return keys
    .filter((k) => JSON.stringify(before?.[k]) !== JSON.stringify(now[k]))
    .map((k) => `--${k} ${show(before?.[k])} -> ${show(now[k])}`);
}

/** Filled under a temp name and renamed into place, so sources/ is never half written. */
function writeSources(run: string, sources: readonly { path: string; text: string }[]): void {
  const tmp = join(run, `.${SOURCES}.${process.pid}.tmp`);
  const final = join(run, SOURCES);
  try {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    for (const s of sources) {
      const to = join(tmp, s.path);
      mkdirSync(dirname(to), { recursive: true });
      writeSynced(to, s.text);
    }
    if (existsSync(final)) {
      const trash = join(run, `.trash-${SOURCES}.${process.pid}`);
      renameSync(final, trash);
      rmSync(trash, { recursive: true, force: true });
    }
    renameSync(tmp, final);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw ioError(err, final, "write the model's sources");
  }
  fsyncDir(run);
}
