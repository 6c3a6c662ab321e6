/**
 * One class per block where the instances differ only in numbers. Each instance's text is cut into text and
 * number slots (a child's construction carries the child's slots along); instances of a block with the same
 * text apart from the numbers share a class. A slot whose number differs between them becomes a constructor
 * argument, named after the block's hyperparameter it equals in every instance (`out_features`,
 * `3 * dim`, `dim // heads`, `in_features ** -0.5`), else `c1`, `c2`, ...; the parent passes the values.
 * Instances whose text differs otherwise (another op, another batch symbol) get numbered classes (`Linear_2`).
 */
import type { Module } from "../../compiler/0-core/schema.ts";
import type { RawClass } from "./classes.ts";

type Piece = string | { slot: number } | { child: string; base: number };
type Lines = Piece[][];

interface Cut {
  raw: RawClass;
  init: Lines;
  forward?: Lines;
  values: number[];
  tokens: string[];
  group: Group;
}

interface Arg {
  name: string;
  /** How the argument reads in terms of the class's own arguments: init context (bare) and forward (self.). */
  expr: (self: boolean) => string;
  simple: boolean;
}

interface Group {
  id: number;
  name: string;
  block: string;
  base: string;
  cuts: Cut[];
  /** Per slot: a literal, or an expression over the class's arguments. */
  slots?: (string | Arg)[];
  args?: { name: string; slot: number }[];
}

export interface PyClass {
  name: string;
  base: string;
  block: string;
  init: string[];
  forward?: { params: string[]; lines: string[] };
  instances: Module[];
}

const NUM = /(?<![\w."\u0001])\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w."\u0001])/g;
const MARK = /\u0001([^\u0001]*)\u0001/g;

export function liftClasses(raws: RawClass[]): { classes: PyClass[]; root: PyClass } {
  const cuts = new Map<string, Cut>();
  const groups = new Map<string, Group>();
  const ordered: Group[] = [];
  for (const raw of raws) {
    const values: number[] = [];
    const tokens: string[] = [];
    const cutLine = (line: string): Piece[] => {
      if (line.trimStart().startsWith("#")) return [line];
      const pieces: Piece[] = [];
      let last = 0;
      const spans = [...line.matchAll(MARK)].map((m) => ({ at: m.index!, len: m[0].length, child: m[1] }));
      const nums = [...line.matchAll(NUM)].map((m) => ({ at: m.index!, len: m[0].length, text: m[0] }));
      for (const s of [...spans, ...nums].sort((a, b) => a.at - b.at)) {
        if (s.at > last) pieces.push(line.slice(last, s.at));
        if ("child" in s)
          pieces.push({ child: s.child, base: -1 }); // its arguments' slots come once its class is known
        else {
          pieces.push({ slot: values.length });
          values.push(Number(s.text));
          tokens.push(s.text);
        }
        last = s.at + s.len;
      }
      if (last < line.length) pieces.push(line.slice(last));
      return pieces;
    };
    const init = raw.init.map(cutLine);
    const forward = raw.forward?.lines.map(cutLine);
    const shape = (ls: Lines | undefined) =>
      ls?.map((l) => l.map((p) => (typeof p === "string" ? p : "slot" in p ? 0 : cuts.get(p.child)!.group.id)));
    const key = JSON.stringify([raw.block, raw.base, shape(init), raw.forward?.params, shape(forward)]);
    let group = groups.get(key);
    if (!group) {
      const taken = ordered.filter((g) => g.block === raw.block).length;
      group = {
        id: ordered.length,
        name: taken ? `${raw.block}_${taken + 1}` : raw.block,
        block: raw.block,
        base: raw.base,
        cuts: [],
      };
      groups.set(key, group);
      ordered.push(group);
    }
    const cut: Cut = { raw, init, forward, values, tokens, group };
    group.cuts.push(cut);
    cuts.set(raw.module.path, cut);
  }
  // Groups were made children first, so a child's class has its arguments when its parents need them.
  for (const g of ordered) {
    for (const c of g.cuts) childArguments(c, cuts);
    analyse(g);
  }
  // A stack's name follows its layers' class, known once they are named.
  for (const g of ordered)
    if (g.block === "Stack") g.name = `${cuts.get(g.cuts[0].raw.module.children[0])!.group.name}Stack`;
  const classes = ordered.map((g) => render(g, cuts));
  return { classes, root: classes[classes.length - 1] };
}

/** The values a cut passes to each child's constructor become slots of the cut (after its own numbers). */
function childArguments(cut: Cut, cuts: Map<string, Cut>): void {
  for (const line of cut.init)
    for (const p of line) {
      if (typeof p === "string" || !("child" in p)) continue;
      const child = cuts.get(p.child)!;
      p.base = cut.values.length;
      for (const a of child.group.args!) {
        const v = Object.hasOwn(child.raw.module.hyper, a.name)
          ? Number(child.raw.module.hyper[a.name])
          : child.values[a.slot];
        cut.values.push(v);
        cut.tokens.push(String(v));
      }
    }
}

function analyse(g: Group): void {
  const n = g.cuts[0].values.length;
  const hypers = g.cuts.map((c) => c.raw.module.hyper);
  const names = Object.keys(hypers[0]).filter((h) => hypers.every((hy) => typeof hy[h] === "number"));
  const slots: (string | Arg)[] = [];
  const args: { name: string; slot: number }[] = [];
  const bySignature = new Map<string, Arg>();
  for (let k = 0; k < n; k++) {
    const vs = g.cuts.map((c) => c.values[k]);
    if (g.cuts.every((c) => c.tokens[k] === g.cuts[0].tokens[k])) {
      slots.push(g.cuts[0].tokens[k]);
      continue;
    }
    const sig = vs.join(",");
    let arg = bySignature.get(sig);
    if (!arg) {
      const c = `c${[...bySignature.values()].filter((a) => /^c\d+$/.test(a.name)).length + 1}`;
      arg = candidate(names, hypers, vs) ?? { name: c, expr: (self) => (self ? `self.${c}` : c), simple: true };
      bySignature.set(sig, arg);
    }
    for (const used of arg.name.split(",")) if (!args.some((a) => a.name === used)) args.push({ name: used, slot: k });
    slots.push(arg);
  }
  // constructor arguments: the block's hyperparameters in declaration order, then the unnamed ones
  args.sort((a, b) => rank(a.name, names) - rank(b.name, names));
  g.slots = slots;
  g.args = args;
}

const rank = (name: string, names: string[]) =>
  names.includes(name) ? names.indexOf(name) : 1000 + Number(name.slice(1));

/** An expression over the block's numeric hyperparameters that gives the slot's value in every instance. */
function candidate(names: string[], hypers: Record<string, unknown>[], vs: number[]): Arg | undefined {
  const close = (f: (h: Record<string, number>) => number) =>
    hypers.every((h, i) => Math.abs(f(h as Record<string, number>) - vs[i]) <= 1e-9 * Math.max(1, Math.abs(vs[i])));
  const ref = (self: boolean, h: string) => (self ? `self.${h}` : h);
  for (const h of names) if (close((x) => x[h])) return { name: h, expr: (s) => ref(s, h), simple: true };
  for (const k of [2, 3, 4])
    for (const h of names)
      if (close((x) => k * x[h])) return { name: h, expr: (s) => `${k} * ${ref(s, h)}`, simple: false };
  for (const h of names)
    for (const d of names)
      if (h !== d && close((x) => (x[h] % x[d] === 0 ? x[h] / x[d] : NaN)))
        return { name: `${h},${d}`, expr: (s) => `${ref(s, h)} // ${ref(s, d)}`, simple: false };
  for (const h of names)
    if (close((x) => x[h] ** -0.5)) return { name: h, expr: (s) => `${ref(s, h)} ** -0.5`, simple: false };
  for (const h of names)
    for (const d of names)
      if (h !== d && close((x) => (x[h] % x[d] === 0 ? (x[h] / x[d]) ** -0.5 : NaN)))
        return { name: `${h},${d}`, expr: (s) => `(${ref(s, h)} // ${ref(s, d)}) ** -0.5`, simple: false };
  return undefined;
}

function render(g: Group, cuts: Map<string, Cut>): PyClass {
  const first = g.cuts[0];
  const slots = g.slots!;
  const renderLine = (line: Piece[], self: boolean): string =>
    line
      .map((p, i) => {
        if (typeof p === "string") return p;
        if ("slot" in p) {
          const s = slots[p.slot];
          if (typeof s === "string") return s;
          const before = line[i - 1];
          const after = line[i + 1];
          const alone =
            typeof before === "string" &&
            /[(\[,=] ?$/.test(before) &&
            (after === undefined || (typeof after === "string" && /^[,)\]]/.test(after)));
          return s.simple || alone ? s.expr(self) : `(${s.expr(self)})`;
        }
        // a child's construction: its class, and its arguments as this class's slots give them
        const child = cuts.get(p.child)!;
        const cg = child.group;
        const args = cg.args!.map((_, j) => {
          const s = slots[p.base + j];
          return typeof s === "string" ? s : s.expr(false);
        });
        return `${cg.name}(${args.join(", ")})`;
      })
      .join("");
  let init = first.init.map((l) => renderLine(l, false));
  // a stack of identical layers reads as a comprehension
  const stack = init[0].match(/^super\(\)\.__init__\(\[(.*)\]\)$/);
  if (g.base === "nn.ModuleList" && stack) {
    const kids = stack[1].split(/, (?=[A-Z])/);
    if (kids.length > 1 && kids.every((k) => k === kids[0]))
      init = [`super().__init__([${kids[0]} for _ in range(${kids.length})])`];
  }
  const stored = g.args!.map((a) => `self.${a.name} = ${a.name}`);
  init.splice(1, 0, ...stored);
  return {
    name: g.name,
    base: g.base,
    block: g.block,
    init: [`def __init__(self${g.args!.map((a) => `, ${a.name}`).join("")}):`, ...init.map((l) => `    ${l}`)],
    forward: first.raw.forward && {
      params: first.raw.forward.params,
      lines: first.forward!.map((l) => renderLine(l, true)),
    },
    instances: g.cuts.map((c) => c.raw.module),
  };
}
