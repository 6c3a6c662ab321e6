/**
 * One Python class per block. Each module instance's class text (members and forward) is generated from
 * the IR; instances whose text is identical share one class, named after the block. Instances of a block
 * that differ (other shapes, e.g. `Linear(64, 256)` beside `Linear(64, 64)`) get numbered classes
 * (`Linear_2`); the docstring lists the instances and hyperparameter values each class stands for.
 */
import type { Call, Module, Param } from "../../compiler/4-ir/schema.ts";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { emitForward, rootCall, type Graph } from "./forward.ts";
import { localName } from "./structure.ts";

export interface PyClass {
  name: string;
  base: string;
  block: string;
  init: string[];
  forward?: { params: string[]; lines: string[] };
  instances: Module[];
}

const seg = (path: string) => path.slice(path.lastIndexOf(".") + 1);
const py = (v: number) => String(v);

export function buildClasses(g: Graph): { classes: PyClass[]; root: PyClass } {
  const { ir, placement } = g;
  const byText = new Map<string, PyClass>();
  const classes: PyClass[] = [];
  const paramOf = new Map<string, Param>(ir.params.map((p) => [p.path, p]));
  const callsOf = new Map<string, Call[]>();
  for (const c of ir.graph.calls) callsOf.set(c.scope, [...(callsOf.get(c.scope) ?? []), c]);

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
      items.push({ start: param.loc?.start ?? 0, lines: withComment(`${target}.${localName(placement, m.path, p)} = param(${shape}, ${init})`, param.loc) });
    }
    for (const c of m.children) {
      const child = placement.modules.get(c)!;
      const name = seg(c);
      let lines: string[];
      if (child.block === "namespace") lines = [`${target}.${name} = nn.Module()`, ...members(child, `${target}.${name}`)];
      else {
        const cls = classOf(child).name;
        lines = placement.views.has(c)
          ? [`${target}.use(${JSON.stringify(name)}, ${cls}())`]
          : /^[A-Za-z_]\w*$/.test(name)
            ? [`${target}.${name} = ${cls}()`]
            : [`${target}.add_module(${JSON.stringify(name)}, ${cls}())`]; // seq's numbered keys
      }
      items.push({ start: child.loc?.start ?? 0, lines: withComment(lines[0], child.loc).concat(lines.slice(1)) });
    }
    const lines = items.sort((a, b) => a.start - b.start).flatMap((i) => i.lines);
    return lines.filter((l, i) => !(l.startsWith("#") && lines.slice(0, i).reverse().find((p) => p.startsWith("#")) === l));
  };

  const forwardOf = (m: Module) => {
    if (m.path === "") return emitForward(g, m, rootCall(ir), true);
    const calls = callsOf.get(m.path) ?? [];
    if (!calls.length) return undefined; // a container whose members are called one by one
    const [first, ...rest] = calls.map((c) => emitForward(g, m, c, false));
    for (const r of rest) invariant(r.lines.join("\n") === first.lines.join("\n"), `${m.path} is called twice with different code`);
    return m.block === "repeat" ? loopIfChain(first) : first;
  };

  const memo = new Map<string, PyClass>();
  function classOf(m: Module): PyClass {
    const hit = memo.get(m.path);
    if (hit) return hit;
    let base = "Block";
    let init: string[];
    if (m.block === "repeat") {
      base = "nn.ModuleList";
      const kids = m.children.map((c) => classOf(placement.modules.get(c)!).name);
      const same = kids.every((k) => k === kids[0]);
      init = [same ? `super().__init__([${kids[0]}() for _ in range(${kids.length})])` : `super().__init__([${kids.map((k) => `${k}()`).join(", ")}])`];
    } else init = ["super().__init__()", ...members(m, "self")];
    const forward = forwardOf(m);
    const block = m.path === "" ? ir.model : m.block === "repeat" ? `${classOf(placement.modules.get(m.children[0])!).name}Stack` : m.block === "seq" ? "Sequential" : m.block;
    const key = JSON.stringify([base, block, init, forward]);
    let cls = byText.get(key);
    if (!cls) {
      const taken = classes.filter((c) => c.block === block).length;
      cls = { name: taken ? `${block}_${taken + 1}` : block, base, block, init, forward, instances: [] };
      byText.set(key, cls);
      classes.push(cls);
    }
    cls.instances.push(m);
    memo.set(m.path, cls);
    return cls;
  }
  const root = classOf(placement.modules.get("")!);
  return { classes, root };
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
