/**
 * `npm run fuzz [-- OPTIONS]` (or `npm run bench -- fuzz`): seeded, resumable fuzz campaigns.
 *   mdl      100,000 mutated .mdl files through check / summary / fmt / diff, in process (bench/fuzz/mdl.ts)
 *   mdl-large    200 mutants of the 40-80 KB size-limit samples, the same way
 *   weights   10,000 mutated checkpoints through the loaders (bench/fuzz/weights.ts)
 *   media      1,000 mutated PNG frames and videos through the data pipeline (bench/fuzz/media.ts)
 * Case N of a campaign is seed N: `--replay mdl:1234` reruns one case in this process and prints what happened.
 * Progress lives in a state file (default .tmp/fuzz-state.json), so a stopped campaign resumes where it was.
 * Cases run in child processes (bench/fuzz/worker.ts, each working through its own range of seeds in
 * process) with a 1 GiB heap; a case that uses more than its campaign's CPU-time limit is a hang and one
 * that kills the child is a crash (memory): either way the child is replaced and the campaign continues
 * after that seed. Options: --campaign a,b  --cases N (per campaign)  --jobs N (children at once)
 * --state FILE  --record (append the counts to bench/RESULTS.md).
 */
import { fork, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../src/cli/io.ts";
import { cpuMs } from "./fuzz/cpu-time.ts";
import { settle } from "./fuzz/outcome.ts";

const here = dirname(fileURLToPath(import.meta.url));
const TARGETS: Record<string, { cases: number; limitMs: number }> = {
  mdl: { cases: 100_000, limitMs: 8_000 },
  "mdl-large": { cases: 200, limitMs: 20_000 },
  weights: { cases: 10_000, limitMs: 20_000 },
  media: { cases: 1_000, limitMs: 60_000 },
};

interface Finding {
  seed: number;
  kind: "crash" | "hang" | "memory";
  what: string;
}
/** `next` is where a fresh run starts; `shards` hold the [next, end) of each child while a run is under way. */
interface Campaign {
  target: number;
  next: number;
  shards?: [number, number][];
  accepted: number;
  refused: number;
  findings: Finding[];
  wallMs: number;
}
type State = Record<string, Campaign>;

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const statePath = opt("state") ?? ".tmp/fuzz-state.json";
const chosen = (opt("campaign") ?? "mdl,weights,media").split(",");
const override = opt("cases") === undefined ? undefined : Number(opt("cases"));
const jobs = Number(opt("jobs") ?? 1);
/** A child that has not finished a case after this much wall time is stuck even on the busiest machine. */
const WALL_BACKSTOP_MS = 15 * 60_000;

async function replay(spec: string) {
  const [campaign, n] = spec.split(":");
  const seed = Number(n);
  const mod = campaign.startsWith("mdl")
    ? await import("./fuzz/mdl.ts")
    : campaign === "weights"
      ? await import("./fuzz/weights.ts")
      : await import("./fuzz/media.ts");
  const large = campaign === "mdl-large";
  const run =
    "runMdlCase" in mod
      ? large
        ? mod.runMdlLargeCase
        : mod.runMdlCase
      : "runWeightsCase" in mod
        ? mod.runWeightsCase
        : mod.runMediaCase;
  if ("mdlMutant" in mod) console.log(mod.mdlMutant(seed, large ? "mdl-large" : "mdl").text);
  console.log(await settle(() => run(seed)));
}

function load(): State {
  return existsSync(statePath) ? (JSON.parse(readFileSync(statePath, "utf8")) as State) : {};
}
/** Write this process's campaigns over the file's, keeping the others (two campaigns may run at once). */
function save(state: State) {
  mkdirSync(dirname(statePath), { recursive: true });
  writeFileAtomic(
    statePath,
    JSON.stringify(
      { ...load(), ...Object.fromEntries(chosen.filter((n) => state[n]).map((n) => [n, state[n]])) },
      null,
      1,
    ),
  );
}

/** Split what is left of a campaign into `jobs` ranges, each worked through by its own child. */
function shardsOf(c: Campaign, jobs: number): [number, number][] {
  if (c.shards?.length && c.shards.at(-1)![1] === c.target) return c.shards;
  const per = Math.ceil((c.target - c.next) / jobs);
  return Array.from({ length: jobs }, (_, i): [number, number] => [
    c.next + i * per,
    Math.min(c.target, c.next + (i + 1) * per),
  ]).filter(([a, b]) => a < b);
}

/** Run every shard's cases in children, replacing a child that hangs or dies; resolves when all are done. */
function runCampaign(name: string, c: Campaign, state: State, jobs: number): Promise<void> {
  c.shards = shardsOf(c, jobs);
  const shards = c.shards;
  return Promise.all(shards.map((shard) => runShard(name, c, shard, state))).then(() => {
    c.next = c.target;
    delete c.shards;
  });
}

function runShard(name: string, c: Campaign, shard: [number, number], state: State): Promise<void> {
  const { limitMs } = TARGETS[name];
  return new Promise((finish) => {
    const startChild = () => {
      if (shard[0] >= shard[1]) return finish();
      const child = fork(join(here, "fuzz/worker.ts"), [], {
        execArgv: ["--import", "tsx", "--max-old-space-size=1024"],
        stdio: ["ignore", "ignore", "pipe", "ipc"],
      });
      let current = shard[0];
      let stderr = "";
      let hung = false;
      // The limit is on the child's CPU time for the case (wall time where /proc is missing); a case that
      // waits for a core on a busy machine is not hung. WALL_BACKSTOP catches a child blocked without spinning.
      let inCase = false;
      let cpuAtStart: number | undefined;
      let wallAtStart = Date.now();
      const watch = setInterval(() => {
        const wall = Date.now() - wallAtStart;
        const cpu = cpuAtStart === undefined ? undefined : cpuMs(child.pid!);
        const over = inCase && (cpu === undefined ? wall > limitMs : cpu - cpuAtStart! > limitMs);
        if (over || wall > WALL_BACKSTOP_MS) ((hung = true), child.kill("SIGKILL"));
      }, 250);
      children.add(child);
      child.once("exit", () => children.delete(child));
      child.stderr!.on("data", (b: Buffer) => (stderr = (stderr + b).slice(-2000)));
      child.on(
        "message",
        (m: { start?: number; seed?: number; outcome?: "accepted" | "refused" | "crash"; what?: string }) => {
          if (m.start !== undefined)
            ((current = m.start), (inCase = true), (cpuAtStart = cpuMs(child.pid!)), (wallAtStart = Date.now()));
          if (m.seed === undefined) return;
          if (m.outcome === "crash") c.findings.push({ seed: m.seed, kind: "crash", what: m.what! });
          else c[m.outcome!]++;
          shard[0] = m.seed + 1;
          if (m.seed % 200 === 0 || shard[0] === shard[1]) {
            save(state);
            process.stderr.write(`\r${name}: ${casesRun(c)}/${c.target - 1}, ${c.findings.length} finding(s)   `);
          }
        },
      );
      child.on("exit", (code, signal) => {
        clearInterval(watch);
        if (shard[0] < shard[1] && (hung || code !== 0)) {
          const kind = hung ? "hang" : "memory";
          const what = hung
            ? `no result within ${limitMs} ms of CPU time`
            : `the worker died (${signal ?? `exit ${code}`}): ${stderr.trim().split("\n").slice(-3).join(" | ")}`;
          c.findings.push({ seed: current, kind, what });
          shard[0] = current + 1;
          save(state);
        }
        startChild();
      });
      child.send({ campaign: name, from: shard[0], to: shard[1] });
    };
    startChild();
  });
}

// Stopping the campaign (Ctrl-C, kill) stops its workers too; the state file keeps what was done.
const children = new Set<ChildProcess>();
const stop = () => {
  for (const child of children) child.kill("SIGKILL");
  process.exit(130);
};
process.once("SIGINT", stop).once("SIGTERM", stop);

/** Every case ends as exactly one of accepted, refused or a finding. */
const casesRun = (c: Campaign) => c.accepted + c.refused + c.findings.length;

async function main() {
  const r = opt("replay");
  if (r) return replay(r);
  const state = load();
  const started = Date.now();
  const load0 = loadavg()[0];
  for (const name of chosen) {
    if (!TARGETS[name]) throw new Error(`unknown campaign ${name}; known: ${Object.keys(TARGETS).join(", ")}`);
    const c = (state[name] ??= {
      target: TARGETS[name].cases,
      next: 1,
      accepted: 0,
      refused: 0,
      findings: [],
      wallMs: 0,
    });
    c.target = (override ?? TARGETS[name].cases) + 1;
    const t0 = Date.now();
    await runCampaign(name, c, state, jobs);
    c.wallMs += Date.now() - t0;
    save(state);
    process.stderr.write("\n");
    const n = casesRun(c);
    console.log(
      `${name}: ${n} cases, ${c.accepted} accepted, ${c.refused} refused (catalogued), ${c.findings.length} finding(s)${c.findings.length ? ": " + c.findings.map((f) => `${f.kind} at seed ${f.seed}`).join(", ") : ""}; this run ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
    for (const f of c.findings) console.log(`  ${name}:${f.seed} ${f.kind}: ${f.what}`);
  }
  if (args.includes("--record")) {
    const rows = chosen.map((name) => {
      const c = state[name];
      const kinds = (k: string) => c.findings.filter((f) => f.kind === k).length;
      return `| ${name} | ${casesRun(c)} | ${c.accepted} | ${c.refused} | ${kinds("crash")} | ${kinds("hang")} | ${kinds("memory")} |`;
    });
    appendFileSync(
      join(here, "RESULTS.md"),
      [
        `\n## fuzz (${new Date().toISOString().slice(0, 10)})\n`,
        `Machine: ${cpus().length} cores, Node ${process.version}, load average ${load0.toFixed(1)} at start (shared host). State: ${statePath}; this invocation ${((Date.now() - started) / 1000).toFixed(0)} s.`,
        "Seeded campaigns (`npm run fuzz`): case N is seed N. Crash = an exception that is not a catalogued error; hang = no result within the",
        "campaign's time limit; memory = the worker (1 GiB heap) died.\n",
        "| campaign | cases | accepted | refused (catalogued) | crashes | hangs | memory |",
        "|---|---:|---:|---:|---:|---:|---:|",
        ...rows,
        "",
      ].join("\n"),
    );
  }
}

await main();
