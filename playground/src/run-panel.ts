/**
 * The run panel: a checkpoint and an inputs file by file picker, drag and drop, or the bundled tiny
 * X-CLIP fixture; decoded by the CLI's loaders over bytes; run and trained by ./run/model.ts (loaded on
 * first use). When the inputs file also holds `out.<name>` references, the page shows the relative error.
 */
import { decodeCheckpoint, shapesOf, type Checkpoint } from "../../src/runtime/weights/checkpoint.ts";
import { decodeSafetensors } from "../../src/runtime/weights/safetensors-format.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";
import { toFloat32 } from "../../src/runtime/weights/tensor.ts";
import { relErrorOf as relError } from "../../src/util/rel-error.ts";
import { drawLoss } from "./loss-chart.ts";
import { ask } from "./client.ts";
import type { CheckOptions, RunConfig } from "./protocol.ts";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

interface Context {
  checkOptions(): CheckOptions;
}

let ckpt: Checkpoint | undefined;
let io: { file: string; tensors: Map<string, HostTensor> } | undefined;
/** A training is under way: Run, Train and the backend wait for it (a second one would share its backend). */
let training = false;

/** Outputs up to this size also carry their exact values (data-values), for scripts that read the page. */
const MAX_EXPORTED = 1 << 16;
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (x: number) => (Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(4) : x.toFixed(5));

/** A .safetensors with `input.*` tensors is an inputs file; anything else is tried as a checkpoint. */
function accept(name: string, bytes: Uint8Array): void {
  if (name.endsWith(".safetensors")) {
    const tensors = decodeSafetensors(bytes, name).tensors;
    if ([...tensors.keys()].some((k) => k.startsWith("input."))) {
      io = { file: name, tensors };
      return;
    }
  }
  ckpt = decodeCheckpoint(bytes, name);
}

function describeLoaded(): void {
  const parts = [
    ckpt
      ? `checkpoint ${ckpt.file}: ${ckpt.tensors.size} tensors (${ckpt.format})${ckpt.notes.length ? `; ${ckpt.notes.join("; ")}` : ""}`
      : "no checkpoint",
    io ? `inputs ${io.file}: ${[...io.tensors.keys()].filter((k) => k.startsWith("input.")).join(", ")}` : "no inputs",
  ];
  $("loaded").textContent = parts.join(" · ");
  $<HTMLButtonElement>("run-button").disabled = $<HTMLButtonElement>("train-button").disabled =
    training || !(ckpt && io);
  $<HTMLSelectElement>("backend").disabled = training;
}

async function loadFiles(list: Iterable<File>): Promise<void> {
  try {
    for (const f of list) accept(f.name, new Uint8Array(await f.arrayBuffer()));
  } catch (e) {
    $("run-out").textContent = (e as Error).message;
  }
  describeLoaded();
}

/**
 * The model compiled as `mdl predict MODEL --weights W --inputs I` compiles it: free hyperparameters bound
 * from the checkpoint's and the inputs' shapes, with the header's preset and --set values that agree with them.
 */
async function compiled(ctx: Context) {
  const inputs = new Map(
    [...io!.tensors].filter(([k]) => k.startsWith("input.")).map(([k, t]) => [k.slice("input.".length), t.shape]),
  );
  const r = await ask({
    kind: "ir",
    opts: ctx.checkOptions(),
    weights: { file: ckpt!.file, shapes: shapesOf(ckpt!) },
    inputs: { file: io!.file, shapes: inputs },
  });
  showConfig(r.config);
  if (!r.ir) throw new Error(r.errors);
  return r.ir;
}

/** Which of the header's preset and --set values the run uses; the rest comes from the checkpoint. */
function showConfig(c: RunConfig): void {
  const el = $("run-config");
  const used = [c.preset && `preset ${c.preset}`, ...c.set.map(([k, v]) => `--set ${k}=${v}`)]
    .filter(Boolean)
    .join(", ");
  el.innerHTML =
    `hyperparameters: ${used ? `${esc(used)} from the header, the rest` : "all"} from the checkpoint and inputs` +
    c.dropped
      .map((d) => `<br><span class="dropped">not applied: the header's ${esc(d.what)} (${esc(d.why)})</span>`)
      .join("");
  el.dataset.preset = c.preset ?? "";
  el.dataset.set = c.set.map(([k, v]) => `${k}=${v}`).join(", ");
  el.dataset.dropped = c.dropped.map((d) => d.what).join(", ");
}

/** "webgpu", or "webgpu on a software adapter (SwiftShader ...)", and what auto passed over. */
function describeBackend(b: { name: string; software?: string; skipped: string[] }): string {
  const soft = b.software ? ` on a <span class="software">software</span> adapter (${esc(b.software)})` : "";
  return `<strong>${b.name}</strong>${soft}${b.skipped.length ? ` (passed over: ${esc(b.skipped.join("; "))})` : ""}`;
}

async function run(ctx: Context): Promise<void> {
  const out = $("run-out");
  out.textContent = "running…";
  try {
    const ir = await compiled(ctx);
    const m = await import("./run/model.ts");
    const backend = await m.useBackend($<HTMLSelectElement>("backend").value as "auto");
    const r = await m.runModel(ir, ckpt!, io!.tensors);
    const html = [
      `<p id="ran-on" data-backend="${backend.name}" data-software="${backend.software ? "1" : ""}">ran on ${describeBackend(backend)} in ${r.ms.toFixed(0)} ms · loaded ${r.coverage.loaded.length} of ${ir.params.length} parameters</p>`,
    ];
    for (const [name, v] of Object.entries(r.outputs)) {
      const ref = io!.tensors.get(`out.${name}`);
      const err = ref
        ? ` · rel err vs ${io!.file} out.${name}: <span class="rel-err">${relError(v.data, toFloat32(ref)).toExponential(2)}</span>`
        : "";
      const cols = v.shape.length >= 2 ? v.shape[v.shape.length - 1] : v.data.length;
      const shown = Array.from(v.data.subarray(0, Math.min(v.data.length, 8 * cols)));
      const rows = [];
      for (let i = 0; i < shown.length; i += cols)
        rows.push(
          `<tr>${shown
            .slice(i, i + cols)
            .map((x) => `<td class="num">${fmt(x)}</td>`)
            .join("")}</tr>`,
        );
      html.push(
        `<h4>${name} [${v.shape.join(", ")}]${err}</h4><table class="output" data-output="${name}"${v.data.length <= MAX_EXPORTED ? ` data-values="${JSON.stringify(Array.from(v.data))}"` : ""}>${rows.join("")}</table>`,
      );
    }
    out.innerHTML = html.join("");
  } catch (e) {
    out.textContent = (e as Error).message;
  }
}

const STEPS = 20;

async function train(ctx: Context): Promise<void> {
  const chart = $("loss");
  chart.removeAttribute("hidden");
  delete chart.dataset.losses;
  const losses: number[] = [];
  training = true;
  describeLoaded();
  try {
    const ir = await compiled(ctx);
    const m = await import("./run/model.ts");
    const backend = await m.useBackend($<HTMLSelectElement>("backend").value as "auto");
    const on = `${backend.name}${backend.software ? " (software)" : ""}`;
    drawLoss(chart, losses, STEPS, `${on}: starting`);
    await m.trainSteps(ir, ckpt!, io!.tensors, STEPS, (step, loss) => {
      losses.push(loss);
      drawLoss(chart, losses, STEPS, `${on}: step ${step}, loss ${loss.toFixed(4)}`);
    });
    chart.dataset.losses = JSON.stringify(losses);
  } catch (e) {
    $("run-out").textContent = (e as Error).message;
  } finally {
    training = false;
    describeLoaded();
  }
}

export function setupRunPanel(ctx: Context): void {
  for (const id of ["ckpt-file", "inputs-file"]) {
    const input = $<HTMLInputElement>(id);
    input.onchange = () => loadFiles(input.files ?? []);
  }
  $("demo").onclick = async () => {
    const got = await Promise.all(
      ["weights.safetensors", "io.safetensors"].map(
        async (f) => [f, new Uint8Array(await (await fetch(`fixtures/${f}`)).arrayBuffer())] as const,
      ),
    );
    for (const [f, bytes] of got) accept(`xclip-tiny-e64/${f}`, bytes);
    describeLoaded();
  };
  document.body.ondragover = (e) => {
    e.preventDefault();
    document.body.classList.add("dragging");
  };
  document.body.ondragleave = () => document.body.classList.remove("dragging");
  document.body.ondrop = (e) => {
    e.preventDefault();
    document.body.classList.remove("dragging");
    loadFiles(e.dataTransfer?.files ?? []);
  };
  $("run-button").onclick = () => run(ctx);
  $("train-button").onclick = () => train(ctx);
}
