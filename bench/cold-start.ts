/**
 * Cold start: the CPU time (user + system, of the whole process and the children it waited for) of a cold
 * `mdl check models/xclip.mdl` process against `node -e 0`, median of paired runs. Issue 23 asks for at most
 * 3x. Each round runs, back to back: `node -e 0`; `node bin/mdl.js check` with its bundle already built (the
 * usual run); the same with an empty cache, so that it builds the bundle first (a first run, or the first after
 * an edit); `MDL_NO_BUNDLE=1 node bin/mdl.js check` (the tsx fallback); and `node --import tsx src/cli/main.ts
 * check` (how the CLI started before the bundle). Appends a section to bench/RESULTS.md.
 *   npx tsx bench/cold-start.ts [--runs 5] [--no-write]
 * The figures come from bash's `times`, 10 ms ticks; a building run's include esbuild's process, which
 * bin/bundle.js waits for. The last row is the bundling alone.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";

const runsAt = process.argv.indexOf("--runs");
const RUNS = Math.max(1, runsAt < 0 ? 5 : Number(process.argv[runsAt + 1]));
const node = JSON.stringify(process.execPath);
const CHECK = "check models/xclip.mdl";

/** CPU seconds of one shell command's children, from bash's `times`. */
function cpu(cmd: string, env: Record<string, string> = {}): number {
  const r = spawnSync("bash", ["-c", `${cmd} >/dev/null 2>&1 || echo FAILED; times`], {
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "", ...env },
  });
  if (r.stdout.includes("FAILED")) throw new Error(`${cmd} failed`);
  const children = r.stdout.trim().split("\n").at(-1)!;
  const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return secs[0] + secs[1];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const CASES: { what: string; run: () => number }[] = [
  { what: "`node -e 0`", run: () => cpu(`${node} -e 0`) },
  {
    what: "`node bin/mdl.js check models/xclip.mdl`, bundle built (cold process)",
    run: () => cpu(`${node} bin/mdl.js ${CHECK}`),
  },
  {
    what: "the same, first run: builds the bundle into an empty cache",
    run: () => {
      const cache = mkdtempSync(join(resolve("node_modules"), ".mdl-bench-"));
      try {
        return cpu(`${node} bin/mdl.js ${CHECK}`, { MDL_CACHE: cache });
      } finally {
        rmSync(cache, { recursive: true, force: true });
      }
    },
  },
  {
    what: "`MDL_NO_BUNDLE=1 node bin/mdl.js check ...` (tsx fallback)",
    run: () => cpu(`${node} bin/mdl.js ${CHECK}`, { MDL_NO_BUNDLE: "1" }),
  },
  {
    what: "`node --import tsx src/cli/main.ts check ...` (before the bundle)",
    run: () => cpu(`${node} --import tsx src/cli/main.ts ${CHECK}`),
  },
];

const load0 = loadavg()[0];
cpu(`${node} bin/mdl.js ${CHECK}`); // builds the default cache's bundle if the sources changed
const samples = CASES.map(() => [] as number[]);
for (let round = 0; round < RUNS; round++) CASES.forEach((c, i) => samples[i].push(c.run()));
const base = samples[0];
const bundleSecs = (() => {
  const cache = mkdtempSync(join(resolve("node_modules"), ".mdl-bench-"));
  try {
    const script = `const b = await import("./bin/bundle.js"); await b.build(process.env.MDL_CACHE + "/x.mjs")`;
    return cpu(`${node} --input-type=module -e '${script}'`, { MDL_CACHE: cache });
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
})();
const load1 = loadavg()[0];

const rows = CASES.map((c, i) => {
  const ratios = samples[i].map((s, k) => s / base[k]);
  return `| ${c.what} | ${median(samples[i]).toFixed(2)} | ${median(ratios).toFixed(1)}x |`;
});
const section = `
## cold-start (${new Date().toISOString().slice(0, 10)})

Machine: ${cpus()[0]?.model ?? "?"} x${cpus().length}, Node ${process.version}, load average ${load0.toFixed(1)} at start, ${load1.toFixed(1)} at end
(shared host). CPU = user + system seconds of each whole process, median of ${RUNS} rounds; the ratio is the median
of each round's run over its own \`node -e 0\`. Target: 3x.

| process | median CPU s | / \`node -e 0\` |
|---|---|---|
${rows.join("\n")}
| esbuild bundling the CLI, in a process that only builds | ${bundleSecs.toFixed(2)} | |
`;
console.log(section);
if (!process.argv.includes("--no-write")) appendFileSync("bench/RESULTS.md", section);
