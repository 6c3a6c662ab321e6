/** Numeric options and the backend flags, checked inside the command (exit 2 with a catalogued message). */
import type { Command } from "commander";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import { initBackend, type BackendName } from "../runtime/tfjs/backend.ts";

const BACKENDS: readonly BackendName[] = ["node-gpu", "node", "wasm", "cpu", "webgl", "webgpu"];

/** A whole number of at least `min`; anything else is a usage error naming the option. */
export function parseCount(option: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) fail("bad_count", option, option, min, value);
  return n;
}

export function parsePositive(option: string, value: string): number {
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x) || x <= 0) fail("bad_number", option, option, "a positive number", value);
  return x;
}

export function parseFraction(option: string, value: string): number {
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x) || x < 0 || x >= 1) fail("bad_number", option, option, "a number in [0, 1)", value);
  return x;
}

/** --backend and --threads, shared by the commands that run a model. */
export function backendOptions(cmd: Command): Command {
  return cmd
    .option("--backend <name>", `tfjs backend (${BACKENDS.join(", ")}; default: the fastest installed)`)
    .option("--threads <n>", "wasm threads (default: all cores)");
}

export function startBackend(flags: { backend?: string; threads?: string }) {
  if (flags.backend !== undefined && !BACKENDS.includes(flags.backend as BackendName))
    fail("usage", undefined, `--backend must be one of ${BACKENDS.join(", ")}, got \`${flags.backend}\``);
  return initBackend({ backend: flags.backend as BackendName | undefined, threads: flags.threads === undefined ? undefined : parseCount("--threads", flags.threads, 1) });
}
