/** `mdl env`: what this machine offers mdl — node, cores, the tfjs backend chosen and why the others were not, ffmpeg. */
import type { Command } from "commander";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import os from "node:os";
import { runCommand } from "./io.ts";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import { initBackend, type BackendName } from "../runtime/tfjs/backend.ts";
import { pickRuntime } from "./options.ts";
import { describeAdapter, findAdapter, type AdapterReport } from "../runtime/tfjs/webgpu.ts";
import { about } from "./about.ts";

const BACKENDS: readonly BackendName[] = ["node-gpu", "node", "wasm", "cpu", "webgl", "webgpu"];

/** The first executable `name` on PATH, if any. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export function register(program: Command): void {
  program
    .command("env")
    .description(about.env.text)
    .option("--json", "print JSON")
    .option("--backend <name>", `backend to start (${BACKENDS.join(", ")})`)
    .option("--threads <n>", "wasm threads (default: all cores; 1 when the load average is at or above the core count)")
    .action((opts: { json?: boolean; backend?: string; threads?: string }) =>
      runCommand(async () => {
        if (opts.backend !== undefined && !BACKENDS.includes(opts.backend as BackendName))
          fail("usage", undefined, `--backend must be one of ${BACKENDS.join(", ")}, got \`${opts.backend}\``);
        const threads = opts.threads === undefined ? undefined : Number(opts.threads);
        if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
          fail("usage", undefined, `--threads must be a whole number >= 1, got \`${opts.threads}\``);
        const info = await initBackend({ backend: opts.backend as BackendName | undefined, threads });
        const ffmpeg = onPath("ffmpeg");
        const runtime = await pickRuntime({});
        const { cudaMissing } = await import("../runtime/onnx/session.ts");
        const cuda = runtime.name === "onnx" ? await cudaMissing() : "ONNX Runtime is not available";
        const inference = {
          runtime: runtime.name,
          why: runtime.why,
          cuda: cuda ? `no: ${cuda}` : "yes (--device cuda)",
        };
        const gpu = info.adapter ? { adapter: info.adapter } : await probeWebgpu();
        const report = {
          node: process.version,
          cores: os.cpus().length,
          inference,
          backend: info.name,
          threads: info.threads,
          tried: info.tried,
          webgpu: gpu,
          ffmpeg: ffmpeg ?? null,
        };
        if (opts.json) {
          process.stdout.write(JSON.stringify(report, null, 2) + "\n");
          return;
        }
        const lines = [
          `node     ${report.node}`,
          `cores    ${report.cores}`,
          `runtime  ${runtime.name} for inference and training: ` +
            `${runtime.why}${runtime.name === "onnx" ? " (it trains through the compiled training step)" : ""}`,
          `  cuda: ${inference.cuda}`,
          `backend  ${info.name} (${info.threads} thread${info.threads === 1 ? "" : "s"})`,
          ...info.tried.filter((t) => !t.ok).map((t) => `  not ${t.name}: ${t.why}`),
          ...webgpuLines(gpu),
          `ffmpeg   ${ffmpeg ?? "not on PATH"}`,
        ];
        process.stdout.write(lines.join("\n") + "\n");
      }),
    );
}

/** The adapter webgpu would use when asked for by name, or why there is none (never an exception). */
async function probeWebgpu(): Promise<{ adapter: AdapterReport } | { unavailable: string }> {
  try {
    return { adapter: (await findAdapter(true)).report };
  } catch (err) {
    return { unavailable: String((err as Error).message) };
  }
}

function webgpuLines(gpu: { adapter: AdapterReport } | { unavailable: string }): string[] {
  if ("unavailable" in gpu) return [`webgpu   unavailable: ${gpu.unavailable}`];
  const a = gpu.adapter;
  const mb = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
  return [
    `webgpu   ${describeAdapter(a)}${a.software ? " (used only with --backend webgpu)" : ""}`,
    `  vendor ${a.vendor || "?"}, architecture ${a.architecture || "?"}, device ${a.device || "?"}`,
    `  maxBufferSize ${mb(a.limits.maxBufferSize)}, maxStorageBufferBindingSize ${mb(a.limits.maxStorageBufferBindingSize)}`,
    ...(a.icdSetByMdl
      ? [
          `  Vulkan driver: VK_ICD_FILENAMES=${a.icdSetByMdl} (set by mdl: no driver was configured and no GPU is present)`,
        ]
      : []),
  ];
}
