/**
 * The live tensor count of webgpu training over many steps (issue 9: "flat over 200 steps"). SwiftShader runs a
 * tiny step in seconds, so the suite's test (test/webgpu/webgpu.test.ts) checks 5 steps and this bench the
 * long run: the tiny X-CLIP in its lean form (2 frames, batch 1, text encoder frozen; see
 * test/webgpu/fixtures/steps-worker.ts) for N steps, in a child process on webgpu, then the same on wasm for
 * the CPU time ratio. Appends a section to bench/RESULTS.md.   npx tsx bench/train-flat.ts [--steps 200]
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { synthesize } from "../src/runtime/data/synth.ts";

const STEPS = process.argv.includes("--steps") ? Number(process.argv[process.argv.indexOf("--steps") + 1]) : 200;

interface Run {
  engine: string;
  counts: number[];
  seconds: number;
  cpuSecondsPerStep: number[];
  after: number;
}

function run(backend: string, data: string, out: string): Run | string {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "test/webgpu/fixtures/steps-worker.ts", backend, data, out, String(STEPS), "lean"],
    {
      encoding: "utf8",
      maxBuffer: 1 << 26,
    },
  );
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !line.startsWith("{")) return (r.stderr || line).trim().split("\n").pop()!.slice(0, 160);
  return JSON.parse(line) as Run;
}

const dir = mkdtempSync(join(os.tmpdir(), "mdl-bench-flat-"));
const load0 = os.loadavg()[0];
try {
  const data = join(dir, "ds");
  synthesize({ out: data, videosPerClass: 2, evalPerClass: 1, seed: 5 });
  const runs = ["webgpu", "wasm"].map((b) => [b, run(b, data, join(dir, `run-${b}`))] as const);
  const lines = [
    `\n## train: live tensors over ${STEPS} steps (${new Date().toISOString().slice(0, 10)})`,
    `Tiny X-CLIP, lean step (2 frames, batch 1, text encoder frozen), \`fit\` as \`mdl train\` runs it, one child process per backend, webgpu on this machine's adapter (SwiftShader without a GPU). Machine: ${os.cpus().length} x ${os.cpus()[0]?.model.trim()}, Node ${process.version}, load average ${load0.toFixed(1)} at start, ${os.loadavg()[0].toFixed(1)} at the end.`,
    "",
    "| backend | steps | live tensors after step 1 | after the last step | max | distinct counts | wall s | CPU s/step (median) |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const [b, r] of runs) {
    if (typeof r === "string") {
      lines.push(`| ${b} | failed: ${r} | | | | | | |`);
      continue;
    }
    const med = [...r.cpuSecondsPerStep].sort((x, y) => x - y)[Math.floor(r.cpuSecondsPerStep.length / 2)];
    lines.push(
      `| ${r.engine} | ${r.counts.length} | ${r.counts[0]} | ${r.counts.at(-1)} | ${Math.max(...r.counts)} | ${new Set(r.counts).size} | ${r.seconds.toFixed(0)} | ${med} |`,
    );
  }
  const section = lines.join("\n") + "\n";
  appendFileSync("bench/RESULTS.md", section);
  console.log(section);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
