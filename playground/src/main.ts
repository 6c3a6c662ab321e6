/**
 * The playground page: edit a definition, see its diagnostics, summary, diagram and diff as you type,
 * and run it on a checkpoint. TensorFlow.js and Graphviz load on first use, so the editor is
 * interactive after the compiler alone has loaded (mark `mdl-interactive`).
 */
import type { Compiled } from "../../src/compiler/compile.ts";
import { hasErrors } from "../../src/compiler/diagnostics/diagnostic.ts";
import { renderDiagnostic } from "../../src/compiler/diagnostics/render.ts";
import { renderDiagram } from "./diagram.ts";
import { diffText } from "./diff.ts";
import { createEditor } from "./editor.ts";
import { setupRunPanel } from "./run-panel.ts";
import { renderSummary } from "./summary.ts";
import { compileFile, fileNames, files, modelEntries, parseSets, presetsOf, sourceLookup } from "./workspace.ts";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const fileSel = $<HTMLSelectElement>("file");
const presetSel = $<HTMLSelectElement>("preset");
const setInput = $<HTMLInputElement>("set");
const status = $("status");
const diagList = $("diagnostics");
let current = "models/xclip.mdl";
let tab = "summary";
let last: Compiled | undefined;

const options = (sel: HTMLSelectElement, values: string[], chosen?: string) => {
  sel.innerHTML = values.map((v) => `<option${v === chosen ? " selected" : ""}>${v}</option>`).join("");
};

const editor = createEditor($("editor"), (text) => {
  files[current] = text;
  schedule();
});

let timer: ReturnType<typeof setTimeout> | undefined;
function schedule(): void {
  clearTimeout(timer);
  timer = setTimeout(recheck, 150);
}

/** Compile the file being edited with the chosen preset and --set values, then refresh what depends on it. */
function recheck(): void {
  const t0 = performance.now();
  const preset = presetSel.value || undefined;
  const c = compileFile(current, { preset, set: parseSets(setInput.value) });
  last = c;
  const ms = performance.now() - t0;
  editor.showDiagnostics(current, c.diagnostics);
  const lookup = sourceLookup(c);
  diagList.innerHTML = "";
  for (const d of c.diagnostics) {
    const li = document.createElement("li");
    li.className = d.severity;
    li.textContent = renderDiagnostic(d, lookup);
    li.dataset.code = d.code;
    if (d.span?.file === current) li.onclick = () => editor.view.dispatch({ selection: { anchor: d.span!.start }, scrollIntoView: true });
    diagList.append(li);
  }
  if (!c.diagnostics.length) diagList.innerHTML = `<li class="ok">no problems (${ms.toFixed(0)} ms)</li>`;
  const presets = presetsOf(c);
  if (presets.join() !== [...presetSel.options].slice(1).map((o) => o.value).join()) options(presetSel, ["", ...presets], preset);
  status.textContent = c.value && !hasErrors(c.diagnostics) ? `${c.value.model}: compiled in ${ms.toFixed(0)} ms` : `${c.diagnostics.filter((d) => d.severity === "error").length} error(s)`;
  if (c.value) refreshTab();
}

function refreshTab(): void {
  if (tab === "summary" && last?.value) renderSummary($("summary"), last.value);
  if (tab === "diagram" && last?.value) renderDiagram($("diagram"), last.value).catch((e) => ($("diagram").textContent = String(e)));
  if (tab === "diff") $("diff-out").textContent = diffText($<HTMLSelectElement>("diff-a").value, $<HTMLSelectElement>("diff-b").value);
}

function openFile(name: string): void {
  current = name;
  presetSel.innerHTML = "";
  editor.setText(files[name]);
  recheck();
}

for (const b of document.querySelectorAll<HTMLButtonElement>("#tabs button")) {
  b.onclick = () => {
    tab = b.dataset.tab!;
    for (const x of document.querySelectorAll<HTMLButtonElement>("#tabs button")) x.classList.toggle("active", x === b);
    for (const p of document.querySelectorAll<HTMLElement>(".panel")) p.hidden = p.id !== tab;
    refreshTab();
  };
}

options(fileSel, fileNames(), current);
fileSel.onchange = () => openFile(fileSel.value);
presetSel.onchange = recheck;
setInput.oninput = schedule;
const entries = modelEntries();
options($("diff-a"), entries, entries.find((e) => e.startsWith("models/xclip.mdl#")));
options($("diff-b"), entries, entries.find((e) => e.includes("xclip-no-prompts")));
$("diff-a").onchange = $("diff-b").onchange = refreshTab;
setupRunPanel({ current: () => current, compileOptions: () => ({ preset: presetSel.value || undefined, set: parseSets(setInput.value) }) });
openFile(current);
performance.mark("mdl-interactive");
document.body.dataset.ready = "1";
