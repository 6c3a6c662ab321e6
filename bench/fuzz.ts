/**
 * `npm run fuzz [-- OPTIONS]` (or `npm run bench -- fuzz`): seeded, resumable fuzz campaigns.
 *   mdl      100,000 mutated .mdl files through check / summary / fmt / diff, in process (bench/fuzz/mdl.ts)
 *   weights   10,000 mutated checkpoints through the loaders (bench/fuzz/weights.ts)
 *   media      1,000 mutated PNG frames and videos through the data pipeline (bench/fuzz/media.ts)
 * Case N of a campaign is seed N: `--replay mdl:1234` reruns one case in this process and prints what happened.
 * Progress lives in a state file (default .tmp/fuzz-state.json), so a stopped campaign resumes where it was.
 * Cases run in a child process (bench/fuzz/worker.ts) with a 1 GiB heap; a case that runs past its time
 * limit is a hang and one that kills the child is a crash (memory): either way the child is replaced and
 * the campaign continues after that seed. Options: --campaign a,b  --cases N (per campaign)  --state FILE
 * --record (append the counts to bench/RESULTS.md).
 */
import { fork } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../src/cli/io.ts";
import { settle } from "./fuzz/outcome.ts";

const here = dirname(fileURLToPath(import.meta.url));
const TARGETS: Record<string, { cases: number; limitMs: number }> = {
  mdl: { cases: 100_000, limitMs: 8_000 },
  weights: { cases: 10_000, limitMs: 20_000 },
  media: { cases: 1_000, limitMs: 60_000 },
};

interface Finding { seed: number; kind: "crash" | "hang" | "memory"; what: string }
interface Campaign { target: number; next: number; accepted: number; refused: number; findings: Finding[]; wallMs: number }
type State = Record<string, Campaign>;

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const statePath = opt("state") ?? ".tmp/fuzz-state.json";
const chosen = (opt("campaign") ?? "mdl,weights,media").split(",");
const override = opt("cases") === undefined ? undefined : Number(opt("cases"));

async function replay(spec: string) {
  const [campaign, n] = spec.split(":");
  const seed = Number(n);
  const mod = campaign === "mdl" ? await import("./fuzz/mdl.ts") : campaign === "weights" ? await import("./fuzz/weights.ts") : await import("./fuzz/media.ts");
  const run = "runMdlCase" in mod ? mod.runMdlCase : "runWeightsCase" in mod ? mod.runWeightsCase : mod.runMediaCase;
  if ("mdlMutant" in mod) console.log(mod.mdlMutant(seed).text);
  console.log(await settle(() => run(seed)));
}

function load(): State {
  return existsSync(statePath) ? (JSON.parse(readFileSync(statePath, "utf8")) as State) : {};
}
/** Write this process's campaigns over the file's, keeping the others (two campaigns may run at once). */
function save(state: State) {
  mkdirSync(dirname(statePath), { recursive: true });
  writeFileAtomic(statePath, JSON.stringify({ ...load(), ...Object.fromEntries(chosen.filter((n) => state[n]).map((n) => [n, state[n]])) }, null, 1));
}

/** Run cases [c.next, c.target) in children, replacing a child that hangs or dies; resolves when done. */
function runCampaign(name: string, c: Campaign, state: State): Promise<void> {
  const { limitMs } = TARGETS[name];
  return new Promise((finish) => {
    const startChild = () => {
      if (c.next >= c.target) return finish();
      const child = fork(join(here, "fuzz/worker.ts"), [], { execArgv: ["--import", "tsx", "--max-old-space-size=1024"], stdio: ["ignore", "ignore", "pipe", "ipc"] });
      let current = c.next;
      let stderr = "";
      let hung = false;
      let timer = setTimeout(() => 0, 0);
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => ((hung = true), child.kill("SIGKILL")), limitMs);
      };
      // Stopping the campaign (Ctrl-C, kill) stops its worker too; the state file keeps what was done.
      const stop = () => (child.kill("SIGKILL"), process.exit(130));
      process.once("SIGINT", stop).once("SIGTERM", stop);
      child.once("exit", () => process.off("SIGINT", stop).off("SIGTERM", stop));
      child.stderr!.on("data", (b: Buffer) => (stderr = (stderr + b).slice(-2000)));
      child.on("message", (m: { start?: number; seed?: number; outcome?: "accepted" | "refused" | "crash"; what?: string }) => {
        if (m.start !== undefined) (current = m.start), arm();
        if (m.seed === undefined) return;
        if (m.outcome === "crash") c.findings.push({ seed: m.seed, kind: "crash", what: m.what! });
        else c[m.outcome!]++;
        c.next = m.seed + 1;
        if (m.seed % 200 === 0 || c.next === c.target) {
          save(state);
          process.stderr.write(`\r${name}: ${m.seed}/${c.target - 1}, ${c.findings.length} finding(s)   `);
        }
      });
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        if (c.next < c.target && (hung || code !== 0)) {
          const kind = hung ? "hang" : "memory";
          const what = hung ? `no result within ${limitMs} ms` : `the worker died (${signal ?? `exit ${code}`}): ${stderr.trim().split("\n").slice(-3).join(" | ")}`;
          c.findings.push({ seed: current, kind, what });
          c.next = current + 1;
          save(state);
        }
        startChild();
      });
      child.send({ campaign: name, from: c.next, to: c.target });
    };
    startChild();
  });
}

async function main() {
  const r = opt("replay");
  if (r) return replay(r);
  const state = load();
  const started = Date.now();
  const load0 = loadavg()[0];
  for (const name of chosen) {
    if (!TARGETS[name]) throw new Error(`unknown campaign ${name}; known: ${Object.keys(TARGETS).join(", ")}`);
    const c = (state[name] ??= { target: TARGETS[name].cases, next: 1, accepted: 0, refused: 0, findings: [], wallMs: 0 });
    c.target = (override ?? TARGETS[name].cases) + 1;
    const t0 = Date.now();
    await runCampaign(name, c, state);
    c.wallMs += Date.now() - t0;
    save(state);
    process.stderr.write("\n");
    const n = c.next - 1;
    console.log(`${name}: ${n} cases, ${c.accepted} accepted, ${c.refused} refused (catalogued), ${c.findings.length} finding(s)${c.findings.length ? ": " + c.findings.map((f) => `${f.kind} at seed ${f.seed}`).join(", ") : ""}; this run ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    for (const f of c.findings) console.log(`  ${name}:${f.seed} ${f.kind}: ${f.what}`);
  }
  if (args.includes("--record")) {
    const rows = chosen.map((name) => {
      const c = state[name];
      const kinds = (k: string) => c.findings.filter((f) => f.kind === k).length;
      return `| ${name} | ${c.next - 1} | ${c.accepted} | ${c.refused} | ${kinds("crash")} | ${kinds("hang")} | ${kinds("memory")} |`;
    });
    appendFileSync(join(here, "RESULTS.md"), [
      `\n## fuzz (${new Date().toISOString().slice(0, 10)})\n`,
      `Machine: ${cpus().length} cores, Node ${process.version}, load average ${load0.toFixed(1)} at start (shared host). State: ${statePath}; this invocation ${((Date.now() - started) / 1000).toFixed(0)} s.`,
      "Seeded campaigns (`npm run fuzz`): case N is seed N. Crash = an exception that is not a catalogued error; hang = no result within the",
      "campaign's time limit; memory = the worker (1 GiB heap) died.\n",
      "| campaign | cases | accepted | refused (catalogued) | crashes | hangs | memory |",
      "|---|---:|---:|---:|---:|---:|---:|",
      ...rows,
      "",
    ].join("\n"));
  }
}

await main();
