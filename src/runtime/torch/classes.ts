/**
 * The class text of each module instance (members and forward), generated from the IR. lift.ts then makes
 * one class of the instances of a block that differ only in numbers.
 */
import type { Call, Module, Param } from "../../compiler/0-core/schema.ts";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { emitForward, rootCall, type Graph } from "./forward.ts";
import { localName } from "./structure.ts";

/** An instance's class text before classes are shared: child constructions are `child(path)` markers. */
export interface RawClass {
  module: Module;
  block: string;
  base: string;
  init: string[];
  forward?: { params: string[]; lines: string[] };
}

const seg = (path: string) => path.slice(path.lastIndexOf(".") + 1);
const py = (v: number) => String(v);
/** Where a child module is constructed; lift.ts replaces it by the child's class and arguments. */
export const childMarker = (path: string) => `\u0001${path}\u0001`;

/** Every module instance's class text, children before parents. */
export function rawClasses(g: Graph): RawClass[] {
  const { ir, placement } = g;
  const paramOf = new Map<string, Param>(ir.params.map((p) => [p.path, p]));
  const callsOf = new Map<string, Call[]>();
  for (const c of ir.graph.calls) callsOf.set(c.scope, [...(callsOf.get(c.scope) ?? []), c]);
  const out: RawClass[] = [];

  const declaredAt = (loc: Module["loc"]) => (loc ? g.sourceLine({ loc } as never) : undefined);
  const withComment = (line: string, loc: Module["loc"]) => {
    const c = declaredAt(loc);
    return c ? [`# ${c}`, line] : [line];
  };

  /** The __init__ lines that create module m's members on `target` (self, or a namespace under it). */
  const members = (m: Module, target: string): string[] => {
    const items: { start: number; lines: string[] }[] = [];
    for (const p of m.params) {
      const param = paramOf.get(p)!;
      const init = [JSON.stringify(param.init.kind), ...param.init.args.map(py)].join(", ");
      const shape = param.shape.length === 1 ? `(${param.shape[0]},)` : `(${param.shape.join(", ")})`;
      items.push({
        start: param.loc?.start ?? 0,
        lines: withComment(`${target}.${localName(placement, m.path, p)} = param(${shape}, ${init})`, param.loc),
      });
    }
    for (const c of m.children) {
      const child = placement.modules.get(c)!;
      const name = seg(c);
      let lines: string[];
      if (child.block === "namespace")
        lines = [`${target}.${name} = nn.Module()`, ...members(child, `${target}.${name}`)];
      else {
        visit(child);
        const make = childMarker(c);
        lines = placement.views.has(c)
          ? [`${target}.use(${JSON.stringify(name)}, ${make})`]
          : /^[A-Za-z_]\w*$/.test(name)
            ? [`${target}.${name} = ${make}`]
            : [`${target}.add_module(${JSON.stringify(name)}, ${make})`]; // seq's numbered keys
      }
      items.push({ start: child.loc?.start ?? 0, lines: withComment(lines[0], child.loc).concat(lines.slice(1)) });
    }
    const lines = items.sort((a, b) => a.start - b.start).flatMap((i) => i.lines);
    return lines.filter(
      (l, i) =>
        !(
          l.startsWith("#") &&
          lines
            .slice(0, i)
            .reverse()
            .find((p) => p.startsWith("#")) === l
        ),
    );
  };

  const forwardOf = (m: Module) => {
    if (m.path === "") return emitForward(g, m, rootCall(ir), true);
    const calls = callsOf.get(m.path) ?? [];
    if (!calls.length) return undefined; // a container whose members are called one by one
    const [first, ...rest] = calls.map((c) => emitForward(g, m, c, false));
    for (const r of rest)
      invariant(r.lines.join("\n") === first.lines.join("\n"), `${m.path} is called twice with different code`);
    return m.block === "repeat" ? loopIfChain(first) : first;
  };

  const done = new Set<string>();
  function visit(m: Module): void {
    if (done.has(m.path)) return;
    done.add(m.path);
    let base = "Block";
    let init: string[];
    if (m.block === "repeat") {
      base = "nn.ModuleList";
      for (const c of m.children) visit(placement.modules.get(c)!);
      init = [`super().__init__([${m.children.map(childMarker).join(", ")}])`];
    } else init = ["super().__init__()", ...members(m, "self")];
    const block =
      m.path === "" ? ir.model : m.block === "repeat" ? "Stack" : m.block === "seq" ? "Sequential" : m.block;
    out.push({ module: m, block, base, init, forward: forwardOf(m) });
  }
  visit(placement.modules.get("")!);
  return out;
}

/** A stack whose forward only threads one value through each layer in turn reads as a loop. */
function loopIfChain(f: { params: string[]; lines: string[] }): { params: string[]; lines: string[] } {
  if (f.params.length !== 1) return f;
  const body = f.lines.slice(0, -1);
  let prev = f.params[0];
  for (const [i, line] of body.entries()) {
    const m = line.match(/^(h\d+) = self\[(\d+)\]\((\w+)\)$/);
    if (!m || Number(m[2]) !== i || m[3] !== prev) return f;
    prev = m[1];
  }
  if (!body.length || f.lines[f.lines.length - 1] !== `return ${prev}`) return f;
  return { params: f.params, lines: ["for layer in self:", "    x = layer(x)", "return x"] };
}
