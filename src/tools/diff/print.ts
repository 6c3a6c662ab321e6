/**
 * The text form of a model diff, for researchers: hyperparameter changes and totals first, then
 * inputs and outputs, then the module tree with only what differs. Identical subtrees fold into one
 * "N unchanged modules" line; siblings of a repeated stack that differ in the same way print once.
 */
import type { Init, TensorType } from "../../compiler/0-core/schema.ts";
import type { DiffJson, ModuleChange } from "./schema.ts";

export const human = (n: number): string => {
  const a = Math.abs(n);
  return a >= 1e9
    ? `${(n / 1e9).toFixed(2)} G`
    : a >= 1e6
      ? `${(n / 1e6).toFixed(2)} M`
      : a >= 1e3
        ? `${(n / 1e3).toFixed(1)} K`
        : String(n);
};
const signed = (n: number) => (n > 0 ? `+${human(n)}` : n < 0 ? `-${human(-n)}` : "±0");
const shape = (s: readonly (string | number)[] | null) => (s ? `[${s.join(", ")}]` : "none");
const type = (t: TensorType | null) => (t ? `${t.dtype}[${t.shape.join(", ")}]` : "none");
const init = (i: Init) => `${i.kind}(${i.args.join(", ")})`;

function change(label: string, a: number, b: number): string {
  const pct = a
    ? ` (${signed(b - a)}, ${b >= a ? "+" : ""}${(((b - a) / a) * 100).toFixed(1)}%)`
    : ` (${signed(b - a)})`;
  return `${label}${human(a)} -> ${human(b)}${a === b ? "" : pct}`;
}

const sideName = (s: DiffJson["a"]) => `${s.file}#${s.model}${s.preset ? ` [${s.preset}]` : ""}`;

export function printDiff(d: DiffJson): string {
  const out = [`--- ${sideName(d.a)}`, `+++ ${sideName(d.b)}`];
  if (!d.changed) {
    out.push(
      `no semantic difference: ${d.unchanged} modules, ${human(d.total.a.params)} parameters, ${human(d.total.a.macs)} MACs`,
    );
    return out.join("\n") + "\n";
  }
  if (d.hyper.length) {
    out.push("", "hyperparameters");
    const val = (h: DiffJson["hyper"][number]["a"]) =>
      h ? `${h.value} (${h.source}${h.origin ? ` ${h.origin}` : ""})` : "none";
    const w = Math.max(...d.hyper.map((h) => h.name.length));
    const wa = Math.max(...d.hyper.map((h) => val(h.a).length));
    for (const h of d.hyper) out.push(`  ${h.name.padEnd(w)}  ${val(h.a).padEnd(wa)} -> ${val(h.b)}`);
  }
  const symbols = Object.entries(d.symbols)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  out.push("", `total${symbols ? ` (${symbols})` : ""}`);
  out.push(change("  parameters  ", d.total.a.params, d.total.b.params));
  out.push(change("  MACs        ", d.total.a.macs, d.total.b.macs));
  if (d.ports.length) {
    out.push("", "inputs and outputs");
    for (const p of d.ports) {
      const mark = p.a && p.b ? "~" : p.b ? "+" : "-";
      out.push(`  ${mark} ${p.kind} ${p.name}: ${p.a && p.b ? `${type(p.a)} -> ${type(p.b)}` : type(p.a ?? p.b)}`);
    }
  }
  if (d.modules.length) {
    out.push("", "modules");
    const [root, rest] = [d.modules[0], d.modules.slice(1)];
    out.push(...renderTree({ row: root, children: tree(rest, root.depth + 1) }, d, "  "));
  }
  out.push(
    "",
    `${d.unchanged} of ${d.modules.filter((m) => m.status !== "removed").reduce((n, m) => n + (m.status === "added" ? m.modules : 1), 0) + d.unchanged} ` +
      `modules unchanged`,
  );
  return out.join("\n") + "\n";
}

interface TreeNode {
  row: ModuleChange;
  children: TreeNode[];
}

/** Rebuild the tree from the pre-order rows. */
function tree(rows: ModuleChange[], depth: number): TreeNode[] {
  const out: TreeNode[] = [];
  let i = 0;
  while (i < rows.length) {
    let j = i + 1;
    while (j < rows.length && rows[j].depth > depth) j++;
    out.push({ row: rows[i], children: tree(rows.slice(i + 1, j), depth + 1) });
    i = j;
  }
  return out;
}

function header(r: ModuleChange, name: string, d: DiffJson): string {
  if (r.status !== "changed") {
    const mark = r.status === "added" ? "+" : "-";
    const c = (r.cost.b ?? r.cost.a)!;
    const o = r.output?.b ?? r.output?.a ?? null;
    const size = `${r.modules} module${r.modules === 1 ? "" : "s"}, ${human(c.params)} params, ${human(c.macs)} MACs${o ? `, output ${shape(o)}` : ""}`;
    return `${mark} ${name}: ${r.block.b ?? r.block.a}  (${size})`;
  }
  const block = r.block.a === r.block.b || r.path === "" ? r.block.b! : `${r.block.a} -> ${r.block.b}`;
  const label =
    r.path === ""
      ? `(model) ${d.a.model === d.b.model ? d.b.model : `${d.a.model} -> ${d.b.model}`}`
      : `${name}: ${block}`;
  // a block of the same name (a variant's own MIT) is still a replacement, not the base's block changed
  const by =
    r.replaced &&
    (r.replaced.from === r.replaced.by ? `by another ${r.replaced.by}` : `${r.replaced.from} -> ${r.replaced.by}`);
  return `~ ${label}${by ? `  [replaced ${by}]` : ""}`;
}

function details(r: ModuleChange, d: DiffJson): string[] {
  if (r.status !== "changed") return [];
  const out: string[] = [];
  for (const h of r.hyper) out.push(`${h.name}: ${h.a ?? "none"} -> ${h.b ?? "none"}`);
  for (const p of r.params) {
    if (!p.a || !p.b || p.a.join() !== p.b.join())
      out.push(
        `${p.a ? (p.b ? "~" : "-") : "+"} param ${p.key}: ${p.a && p.b ? `${shape(p.a)} -> ${shape(p.b)}` : shape(p.a ?? p.b)}`,
      );
    if (p.init) out.push(`~ param ${p.key} init: ${init(p.init.a)} -> ${init(p.init.b)}`);
  }
  if (r.output) out.push(`output: ${shape(r.output.a)} -> ${shape(r.output.b)}`);
  if (r.ops?.wiring) out.push(`forward: ${r.ops.a} ops -> ${r.ops.b} ops, differently wired`);
  else if (r.ops && !r.hyper.length && !r.output && !(r.path === "" && (d.hyper.length || d.ports.length)))
    out.push(`forward: same ${r.ops.a} ops, different attributes (axes, slices, constants)`);
  const [a, b] = [r.cost.a!, r.cost.b!];
  if (a.params !== b.params) out.push(change("params: ", a.params, b.params));
  if (a.macs !== b.macs) out.push(change("MACs: ", a.macs, b.macs));
  return out;
}

function renderTree(n: TreeNode, d: DiffJson, indent: string, name = n.row.path): string[] {
  const out = [`${indent}${header(n.row, name, d)}`];
  for (const line of details(n.row, d)) out.push(`${indent}    ${line}`);
  out.push(...renderChildren(n.children, d, indent + "  "));
  if (n.row.unchanged) out.push(`${indent}  ${n.row.unchanged} unchanged module${n.row.unchanged === 1 ? "" : "s"}`);
  return out;
}

const HOLE = "\u0000";
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Consecutive members of a repeated stack whose changes read the same once their own path is blanked print once. */
function renderChildren(children: TreeNode[], d: DiffJson, indent: string): string[] {
  const out: string[] = [];
  const blanked = (n: TreeNode) =>
    renderTree(n, d, indent)
      .join("\n")
      .replace(new RegExp(`${escape(n.row.path)}(?=[.:\\s]|$)`, "g"), HOLE);
  let i = 0;
  while (i < children.length) {
    const first = children[i];
    const m = /^(.*)\.(\d+)$/.exec(first.row.path);
    let j = i + 1;
    if (m) {
      const text = blanked(first);
      while (
        j < children.length &&
        children[j].row.path === `${m[1]}.${Number(m[2]) + (j - i)}` &&
        blanked(children[j]) === text
      )
        j++;
      if (j - i > 1) {
        const name = `${m[1]}.${m[2]}-${Number(m[2]) + (j - i) - 1}`;
        const lines = text.replaceAll(HOLE, name).split("\n");
        lines[0] += `  (${j - i} alike; figures are per module)`;
        out.push(...lines);
        i = j;
        continue;
      }
    }
    out.push(...renderTree(first, d, indent));
    i++;
  }
  return out;
}
