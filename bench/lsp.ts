/**
 * Diagnostics latency of `mdl lsp` after an edit of models/xclip.mdl (target < 100 ms): the time from
 * sending a didChange (an edit of one hyperparameter default, alternating so every edit recompiles) to
 * receiving its publishDiagnostics, over the real client connection. The baseline, run in the same
 * window: an in-process compile + analyze of the same text (what the server must do per edit).
 * Wall times on a shared host count other people's work; the load average is recorded.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { compile } from "../src/compiler/compile.ts";
import { analyze } from "../src/compiler/4-ir/analyze.ts";
import { fsHost } from "../src/cli/compile-args.ts";
import { TestClient } from "../test/lsp/client.ts";

const RUNS = 15;
const XCLIP = resolve("models/xclip.mdl");
const uri = pathToFileURL(XCLIP).href;
const text = readFileSync(XCLIP, "utf8");
const edited = (i: number) => text.replace("layers: int = 12,", `layers: int = ${i % 2 ? 11 : 12},`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = loadavg()[0];

const c = new TestClient();
await c.request("initialize", { processId: null, rootUri: null, capabilities: {} });
c.notify("initialized", {});
c.notify("textDocument/didOpen", { textDocument: { uri, languageId: "mdl", version: 1, text } });
await c.diagnostics(uri);
const lsp: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  c.notify("textDocument/didChange", { textDocument: { uri, version: i + 2 }, contentChanges: [{ text: edited(i) }] });
  const d = await c.diagnostics(uri);
  if ((d.params as { diagnostics: unknown[] }).diagnostics.length) throw new Error("the edit should compile cleanly");
  lsp.push(performance.now() - t0);
}
await c.close();

const inProcess: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const r = compile(XCLIP, fsHost, { text: edited(i) });
  analyze(r.value!);
  inProcess.push(performance.now() - t0);
}

const f = (x: number) => x.toFixed(1);
const section = `
## lsp (${new Date().toISOString().slice(0, 10)})

Machine: ${cpus()[0]?.model ?? "?"} x${cpus().length}, Node ${process.version}, load average ${load.toFixed(1)} at start (shared host, other helpers running). ${RUNS} edits of models/xclip.mdl (a hyperparameter default), each recompiling the whole model.

| what | median ms | min ms | ratio to baseline | target |
|---|---|---|---|---|
| didChange -> publishDiagnostics over stdio (\`mdl lsp\`) | ${f(median(lsp))} | ${f(Math.min(...lsp))} | ${(median(lsp) / median(inProcess)).toFixed(2)} | 100 |
| baseline: compile + analyze in process, warm | ${f(median(inProcess))} | ${f(Math.min(...inProcess))} | 1.00 | |
`;
console.log(section);
appendFileSync("bench/RESULTS.md", section);
