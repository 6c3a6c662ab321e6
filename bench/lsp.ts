/**
 * Diagnostics latency of `mdl lsp` after an edit of models/xclip.mdl (target < 100 ms): the time from
 * sending a didChange to receiving its publishDiagnostics, over the real client connection, for 50 edits
 * alternating between a hyperparameter default of the model (`layers: int = 11/12`, which changes every
 * shape of the visual encoder) and a member name of CrossFrameBlock (which moves every later
 * declaration). The server's own CPU time per edit is read from /proc. Baseline, in the same window:
 * what the server did per edit before issue 16's work, an in-process whole-file parse + compile +
 * analyze of the same text, run after each measured edit (so both see the same load). Wall times on a shared host count other people's work: the load average
 * (1 min) is recorded at start and end.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { compile } from "../src/compiler/compile.ts";
import { analyze } from "../src/compiler/4-ir/analyze.ts";
import { fsHost } from "../src/cli/compile-args.ts";
import { TestClient } from "../test/lsp/client.ts";

const RUNS = 50;
const XCLIP = resolve("models/xclip.mdl");
const uri = pathToFileURL(XCLIP).href;
const text = readFileSync(XCLIP, "utf8");
// four texts in a cycle, each one edit from the previous: the model's `layers` default, then a
// CrossFrameBlock member name (longer or shorter, so every later declaration moves)
const edited = (i: number) =>
  text
    .replace("layers: int = 12,", `layers: int = ${i % 4 === 1 || i % 4 === 2 ? 11 : 12},`)
    .replaceAll("message_ln", i % 4 < 2 ? "message_lnx" : "message_ln");
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const cpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
};
const load0 = loadavg()[0];

const c = new TestClient();
await c.request("initialize", { processId: null, rootUri: null, capabilities: {} });
c.notify("initialized", {});
c.notify("textDocument/didOpen", { textDocument: { uri, languageId: "mdl", version: 1, text } });
await c.diagnostics(uri);
for (let i = 0; i < 5; i++) {
  // warm-up edits, not measured
  c.notify("textDocument/didChange", { textDocument: { uri, version: i + 2 }, contentChanges: [{ text: edited(i) }] });
  await c.diagnostics(uri);
}
// the server and the baseline alternate edit by edit, so both see the same load
const lsp: number[] = [];
const base: number[] = [];
let serverCpu = 0;
let baseCpu = 0;
const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
for (let i = 0; i < RUNS; i++) {
  const c0 = cpuMs(c.pid!);
  let t0 = performance.now();
  c.notify("textDocument/didChange", { textDocument: { uri, version: i + 10 }, contentChanges: [{ text: edited(i) }] });
  const d = await c.diagnostics(uri);
  if ((d.params as { diagnostics: unknown[] }).diagnostics.length) throw new Error("the edit should compile cleanly");
  lsp.push(performance.now() - t0);
  serverCpu += cpuMs(c.pid!) - c0;
  const b0 = ownCpu();
  t0 = performance.now();
  analyze(compile(XCLIP, fsHost, { text: edited(i), verify: false }).value!);
  base.push(performance.now() - t0);
  baseCpu += ownCpu() - b0;
  await new Promise((r) => setTimeout(r, 20)); // a typist's pause: each edit is measured on its own
}
await c.close();
const load1 = loadavg()[0];

const f = (x: number) => x.toFixed(1);
const section = `
## lsp, after incremental parsing (${new Date().toISOString().slice(0, 16)}Z)

Machine: ${cpus()[0]?.model ?? "?"} x${cpus().length}, Node ${process.version}, load average ${load0.toFixed(1)} at start, ${load1.toFixed(1)} at end. ${RUNS} edits of models/xclip.mdl, alternating a model hyperparameter and a CrossFrameBlock member name (bench/lsp.ts).

| what | median ms | p90 ms | min ms | ratio to baseline (median) | target |
|---|---|---|---|---|---|
| didChange -> publishDiagnostics over stdio (\`mdl lsp\`) | ${f(pct(lsp, 0.5))} | ${f(pct(lsp, 0.9))} | ${f(Math.min(...lsp))} | ${(pct(lsp, 0.5) / pct(base, 0.5)).toFixed(2)} | 100 |
| CPU per edit: server (/proc, 10 ms ticks) / baseline (process.cpuUsage), mean | ${f(serverCpu / RUNS)} / ${f(baseCpu / RUNS)} | | | ${(serverCpu / baseCpu).toFixed(2)} | |
| baseline: the old per-edit work in process (whole-file parse, compile without verification, analyze) | ${f(pct(base, 0.5))} | ${f(pct(base, 0.9))} | ${f(Math.min(...base))} | 1.00 | |
`;
console.log(section);
if (!process.argv.includes("--dry")) appendFileSync("bench/RESULTS.md", section);
