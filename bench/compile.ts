/**
 * Compile speed: models/xclip.mdl (B/32 defaults, 12+12 layers) to verified IR in process, the first
 * compile of a process and warm ones, wall and CPU time; then a cold `node bin/mdl.js check` process.
 * Targets: warm <= 20 ms, cold check <= 400 ms. CPU time is reported beside wall time because the
 * host is shared and wall time counts other people's work. Appends a section to bench/RESULTS.md.
 *   npx tsx bench/compile.ts [--runs 10] [--no-write]
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { compile } from "../src/compiler/compile.ts";
import { memoryHost } from "../src/compiler/2-resolve/host.ts";

const runsAt = process.argv.indexOf("--runs");
const RUNS = Math.max(10, runsAt < 0 ? 10 : Number(process.argv[runsAt + 1]));
const host = memoryHost({
  "models/xclip.mdl": readFileSync("models/xclip.mdl", "utf8"),
  "models/clip.mdl": readFileSync("models/clip.mdl", "utf8"),
});

function timed(f: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

const once = () => {
  const r = compile("models/xclip.mdl", host);
  if (!r.value) throw new Error("models/xclip.mdl did not compile");
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const min = (xs: number[]) => Math.min(...xs);
const fmt = (x: number) => x.toFixed(1);

const load0 = loadavg()[0];
const first = timed(once);
const warm = Array.from({ length: RUNS }, () => timed(once));
const nodes = compile("models/xclip.mdl", host).value!.graph.nodes.length;

const cold: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["bin/mdl.js", "check", "models/xclip.mdl"], { encoding: "utf8" });
  cold.push(performance.now() - t0);
  if (r.status !== 0) throw new Error(`mdl check failed: ${r.stderr}`);
}
// what a node process that loads tsx costs before mdl runs anything
const bare: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  spawnSync(process.execPath, ["--import", "tsx", "-e", "0"]);
  bare.push(performance.now() - t0);
}

const rows = [
  `| compile xclip.mdl -> verified IR, first in process | ${fmt(first.wall)} | ${fmt(first.cpu)} | | |`,
  `| compile xclip.mdl -> verified IR, warm (${RUNS} runs) | ${fmt(median(warm.map((w) => w.wall)))} | ${fmt(median(warm.map((w) => w.cpu)))} | ${fmt(min(warm.map((w) => w.wall)))} | 20 |`,
  `| \`node bin/mdl.js check models/xclip.mdl\`, cold process (${RUNS} runs) | ${fmt(median(cold))} | | ${fmt(min(cold))} | 400 |`,
  `| \`node --import tsx -e 0\` (start-up floor) | ${fmt(median(bare))} | | ${fmt(min(bare))} | |`,
];
const section = [
  "",
  `## compile (${new Date().toISOString().slice(0, 10)})`,
  "",
  `Machine: ${cpus()[0]?.model ?? "?"} x${cpus().length}, Node ${process.version}, load average ${load0.toFixed(1)} at start (shared host). Graph: ${nodes} nodes. Times in ms; CPU = user+system of this process.`,
  "",
  "| what | median wall | median CPU | min wall | target |",
  "|---|---|---|---|---|",
  ...rows,
  "",
].join("\n");
process.stdout.write(section);
if (!process.argv.includes("--no-write")) {
  if (!existsSync("bench/RESULTS.md"))
    writeFileSync(
      "bench/RESULTS.md",
      "# Benchmark results\n\nEach bench appends a dated section; read the machine line before comparing numbers.\n",
    );
  appendFileSync("bench/RESULTS.md", section);
}
