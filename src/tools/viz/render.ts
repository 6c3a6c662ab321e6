/** DOT to SVG through Graphviz compiled to WebAssembly: the same in Node and in a browser, no binary on PATH. */
import { Graphviz } from "@hpcc-js/wasm-graphviz";

let graphviz: Promise<Graphviz> | undefined;

export async function renderSvg(dot: string): Promise<string> {
  graphviz ??= Graphviz.load();
  return (await graphviz).dot(dot, "svg");
}
