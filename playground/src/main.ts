/**
 * The playground page: edit a definition, see its diagnostics, summary, diagram and diff as you type,
 * and run it on a checkpoint. The compiler runs in a worker; TensorFlow.js and Graphviz load on first
 * use. Marks: `mdl-interactive` when the editor takes input, `mdl-checked` when the first check is shown.
 */
import { MODELS } from "virtual:models";
import { ask } from "./client.ts";
import { cancelDiagram, renderDiagram } from "./diagram.ts";
import { createEditor } from "./editor.ts";
import type { CheckOptions, Checked } from "./protocol.ts";
import { setupRunPanel } from "./run-panel.ts";
import { renderSummary } from "./summary.ts";
import { parseSets } from "./sets.ts";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const fileSel = $<HTMLSelectElement>("file");
const presetSel = $<HTMLSelectElement>("preset");
const setInput = $<HTMLInputElement>("set");
const status = $("status");
const diagList = $("diagnostics");
const files: Record<string, string> = { ...MODELS };
let current = "models/xclip.mdl";
let tab = "summary";
let generation = 0;

const options = (sel: HTMLSelectElement, values: string[], chosen?: string) => {
  sel.innerHTML = values.map((v) => `<option${v === chosen ? " selected" : ""}>${v}</option>`).join("");
};
const checkOptions = (): CheckOptions => ({
  entry: current,
  preset: presetSel.value || undefined,
  set: parseSets(setInput.value),
});

const editor = createEditor($("editor"), (text) => {
  files[current] = text;
  ask({ kind: "edit", file: current, text });
  schedule();
});

let timer: ReturnType<typeof setTimeout> | undefined;
function schedule(): void {
  clearTimeout(timer);
  timer = setTimeout(recheck, 120);
}

/** Check the file being edited with the chosen preset and --set values; show what depends on it. */
async function recheck(): Promise<void> {
  const mine = ++generation;
  const c = await ask({ kind: "check", opts: checkOptions(), dot: tab === "diagram" });
  if (mine !== generation) return; // a newer edit is on its way
  show(c);
  document.body.dataset.checked = String(mine);
  if (mine === 1) performance.mark("mdl-checked");
}

function show(c: Checked): void {
  editor.showDiagnostics(current, c.diagnostics);
  diagList.innerHTML = "";
  for (const d of c.diagnostics) {
    const li = document.createElement("li");
    li.className = d.severity;
    li.textContent = d.rendered;
    li.dataset.code = d.code;
    if (d.file === current && d.start !== undefined)
      li.onclick = () => editor.view.dispatch({ selection: { anchor: d.start! }, scrollIntoView: true });
    diagList.append(li);
  }
  if (!c.diagnostics.length) diagList.innerHTML = `<li class="ok">no problems (${c.ms.toFixed(0)} ms)</li>`;
  const chosen = presetSel.value;
  if (
    c.presets.join() !==
    [...presetSel.options]
      .slice(1)
      .map((o) => o.value)
      .join()
  )
    options(presetSel, ["", ...c.presets], chosen);
  const errors = c.diagnostics.filter((d) => d.severity === "error").length;
  status.textContent = c.ok ? `${c.summary!.model}: checked in ${c.ms.toFixed(0)} ms` : `${errors} error(s)`;
  if (c.summary) renderSummary($("summary"), c.summary);
  if (c.dot) renderDiagram($("diagram"), c.dot).catch((e) => ($("diagram").textContent = String(e)));
  if (!c.ok) cancelDiagram();
  for (const id of ["summary", "diagram"]) markStale($(id), !c.ok, errors);
}

/** While the definition has errors the summary and diagram shown are the last ones that checked: say so. */
function markStale(panel: HTMLElement, stale: boolean, errors: number): void {
  panel.classList.toggle("stale", stale);
  panel.querySelector(":scope > .stale-note")?.remove();
  if (!stale) return;
  const note = document.createElement("p");
  note.className = "stale-note";
  note.textContent = panel.childElementCount
    ? `out of date: the definition has ${errors} error(s); this is the last ${panel.id} that checked`
    : `the definition has ${errors} error(s): no ${panel.id} yet`;
  panel.prepend(note);
}

async function refreshDiff(): Promise<void> {
  $("diff-out").textContent = "…";
  $("diff-out").textContent = await ask({
    kind: "diff",
    a: $<HTMLSelectElement>("diff-a").value,
    b: $<HTMLSelectElement>("diff-b").value,
  });
}

function openFile(name: string): void {
  current = name;
  presetSel.innerHTML = "";
  editor.setText(files[name]);
}

for (const b of document.querySelectorAll<HTMLButtonElement>("#tabs button")) {
  b.onclick = () => {
    tab = b.dataset.tab!;
    for (const x of document.querySelectorAll<HTMLButtonElement>("#tabs button")) x.classList.toggle("active", x === b);
    for (const p of document.querySelectorAll<HTMLElement>(".panel")) p.hidden = p.id !== tab;
    if (tab === "diagram") recheck();
    if (tab === "diff") refreshDiff();
  };
}

options(fileSel, Object.keys(files), current);
fileSel.onchange = () => openFile(fileSel.value);
presetSel.onchange = recheck;
setInput.oninput = schedule;
$("diff-a").onchange = $("diff-b").onchange = refreshDiff;
setupRunPanel({ checkOptions });
openFile(current);
performance.mark("mdl-interactive");
document.body.dataset.ready = "1";
ask({ kind: "entries" }).then(({ models }) => {
  options(
    $("diff-a"),
    models,
    models.find((e) => e.startsWith("models/xclip.mdl#")),
  );
  options(
    $("diff-b"),
    models,
    models.find((e) => e.includes("xclip-no-prompts")),
  );
});
