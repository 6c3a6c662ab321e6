/** The diagram panel: `mdl viz`'s DOT, rendered by the same Graphviz WebAssembly build (loaded on first use). */
import type { ModelIR } from "../../src/compiler/4-ir/schema.ts";
import { toDot } from "../../src/tools/viz/dot.ts";

let latest = 0;

export async function renderDiagram(el: HTMLElement, ir: ModelIR, depth = 2): Promise<void> {
  const ticket = ++latest;
  const { renderSvg } = await import("../../src/tools/viz/render.ts");
  const svg = await renderSvg(toDot(ir, { depth }));
  if (ticket === latest) el.innerHTML = svg; // a later edit's drawing wins
}
