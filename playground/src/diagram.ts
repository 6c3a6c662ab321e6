/** The diagram panel: `mdl viz`'s DOT (made by the worker), rendered by the same Graphviz WebAssembly build, loaded on first use. */
let latest = 0;

export async function renderDiagram(el: HTMLElement, dot: string): Promise<void> {
  const ticket = ++latest;
  const { renderSvg } = await import("../../src/tools/viz/render.ts");
  const svg = await renderSvg(dot);
  if (ticket === latest) el.innerHTML = svg; // a later edit's drawing wins
}

/** A later check found errors: a drawing still on its way is of an older text, and must not replace the stale mark. */
export function cancelDiagram(): void {
  latest++;
}
