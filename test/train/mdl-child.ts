// `mdl train` as a child process for the lock, signal and recovery tests: tiny X-CLIP on the small synthetic set,
// on ONNX Runtime with one thread (the same engine and threads in every run, so runs compare bit for bit).
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as assert from "uvu/assert";

export interface Child {
  proc: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves once a stderr line matches. */
  waitFor(line: RegExp): Promise<void>;
}

export const trainArgs = (data: string, out: string, steps: number, every: number) => [
  "train",
  "models/xclip.mdl",
  "--preset",
  "tiny",
  "--data",
  data,
  "--out",
  out,
  "--steps",
  String(steps),
  "--batch",
  "4",
  "--checkpoint-every",
  String(every),
  "--seed",
  "3",
  "--threads",
  "1",
];

/** `signalAt` preloads fixtures/signal-at.mjs with MDL_SIGNAL_AT set to it. */
export function mdlTrain(args: string[], signalAt?: string): Child {
  const preload = signalAt ? ["--import", "./test/train/fixtures/signal-at.mjs"] : [];
  const proc = spawn(process.execPath, [...preload, "bin/mdl.js", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, MDL_SIGNAL_AT: signalAt ?? "" },
  });
  let stdout = "";
  let stderr = "";
  const waiting: { re: RegExp; done: () => void }[] = [];
  proc.stdout!.on("data", (c) => (stdout += c));
  proc.stderr!.on("data", (c) => {
    stderr += c;
    for (const w of [...waiting]) if (w.re.test(stderr)) (waiting.splice(waiting.indexOf(w), 1), w.done());
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => proc.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return {
    proc,
    done,
    waitFor: (re) =>
      new Promise<void>((resolve, reject) => {
        if (re.test(stderr)) return resolve();
        waiting.push({ re, done: resolve });
        done.then((r) =>
          reject(new Error(`exited ${r.code ?? r.signal} before ${re}; stderr: ${r.stderr.slice(-800)}`)),
        );
      }),
  };
}

/** A failure's stderr: under 2 KB and no stack trace. */
export function assertShortError(stderr: string): void {
  assert.ok(Buffer.byteLength(stderr) < 2048, `stderr is ${Buffer.byteLength(stderr)} bytes:\n${stderr.slice(0, 600)}`);
  assert.not.match(stderr, /\n\s+at /);
}

/** (step, loss, lr) of each line: what must match between runs (timings differ). */
export const metricsOf = (run: string) =>
  readFileSync(join(run, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const { step, loss, lr } = JSON.parse(l);
      return { step, loss, lr };
    });

export const weightBytes = (ckpt: string) => readFileSync(join(ckpt, "weights.safetensors"));
