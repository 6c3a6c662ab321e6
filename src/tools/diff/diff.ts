/**
 * Semantic diff of two compiled models. The module trees are aligned by instance path (which is
 * also the state-dict prefix), so a module is "the same" exactly when its weights would load into
 * the other model under the same name. Reads only the IR: formatting, comments and source
 * locations never count as differences.
 */
import { analyze, type ModuleStats } from "../../compiler/4-ir/analyze.ts";
import type { Init, Module, ModelIR, Node, Param, TensorType } from "../../compiler/0-core/schema.ts";
import { foldUses } from "./uses.ts";
import {
  DIFF_VERSION,
  type DiffJson,
  type HyperChange,
  type ModuleChange,
  type ParamChange,
  type PortChange,
} from "./schema.ts";

interface Side {
  ir: ModelIR;
  modules: Map<string, Module>;
  params: Map<string, Param>;
  stats: Map<string, ModuleStats>;
  ops: Map<string, { wiring: string[]; attrs: string[] }>;
}

const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);

function side(ir: ModelIR, other: ModelIR, symbols: Record<string, number>): Side {
  const stats = new Map(analyze(ir, symbols).modules.map((m) => [m.path, m]));
  const ops = opsByScope(ir.graph.nodes);
  // aligned by weight path: a `use` member is folded into its parent (uses.ts)
  const { modules, sources } = foldUses(ir, other);
  const at = <T>(m: Map<string, T>) =>
    new Map([...sources].flatMap(([path, from]) => (m.has(from[0]) ? [[path, m.get(from[0])!] as const] : [])));
  const mergedOps = new Map(
    [...sources].map(([path, from]) => [
      path,
      { wiring: from.flatMap((f) => ops.get(f)?.wiring ?? []), attrs: from.flatMap((f) => ops.get(f)?.attrs ?? []) },
    ]),
  );
  return { ir, modules, params: new Map(ir.params.map((p) => [p.path, p])), stats: at(stats), ops: mergedOps };
}

/**
 * Each scope's own ops as text that ignores node numbering: the op and which of its operands come
 * from the same scope (by local position) or from outside ("wiring"), and separately its attributes.
 * Shape-valued attributes follow hyperparameters, so attribute changes alone are shown only where no
 * hyperparameter or output shape of the module explains them.
 */
function opsByScope(nodes: readonly Node[]): Map<string, { wiring: string[]; attrs: string[] }> {
  const out = new Map<string, { wiring: string[]; attrs: string[] }>();
  const local = new Map<number, number>();
  for (const n of nodes) {
    if (n.op === "input") continue;
    const ops = out.get(n.scope) ?? { wiring: [], attrs: [] };
    const args = n.args.map((a) => (nodes[a].scope === n.scope && local.has(a) ? `%${local.get(a)}` : "x"));
    local.set(n.id, ops.wiring.length);
    ops.wiring.push(`${n.op}(${args.join(",")})`);
    ops.attrs.push(JSON.stringify(Object.entries(n.attrs).filter(([k]) => k !== "path")));
    out.set(n.scope, ops);
  }
  return out;
}

const cost = (s: ModuleStats | undefined) => (s ? { params: s.params, macs: s.macs } : null);

function subtreeSize(modules: Map<string, Module>, path: string): number {
  const m = modules.get(path);
  return m ? 1 + m.children.reduce((n, c) => n + subtreeSize(modules, c), 0) : 0;
}

function paramChanges(a: Side, b: Side, ma: Module, mb: Module): ParamChange[] {
  const keys = [...new Set([...ma.params, ...mb.params])];
  const out: ParamChange[] = [];
  for (const key of keys) {
    const pa = a.params.get(key);
    const pb = b.params.get(key);
    const shapeDiffers = !pa || !pb || !same(pa.shape, pb.shape) || pa.dtype !== pb.dtype;
    const initDiffers = pa && pb && !same(pa.init, pb.init);
    if (!shapeDiffers && !initDiffers) continue;
    const row: ParamChange = { key, a: pa?.shape ?? null, b: pb?.shape ?? null };
    if (initDiffers) row.init = { a: pa!.init as Init, b: pb!.init as Init };
    out.push(row);
  }
  return out;
}

/** Diff one aligned path; returns the rows for it and below, and how many identical modules it holds. */
function diffModule(a: Side, b: Side, path: string, depth: number, rows: ModuleChange[]): number {
  const ma = a.modules.get(path);
  const mb = b.modules.get(path);
  const base = { path, depth, hyper: [], params: [], unchanged: 0 };
  if (!ma || !mb) {
    const [s, m] = ma ? [a, ma] : [b, mb!];
    rows.push({
      ...base,
      status: ma ? "removed" : "added",
      block: { a: ma?.block ?? null, b: mb?.block ?? null },
      output: {
        a: ma ? (a.stats.get(path)?.output?.shape ?? null) : null,
        b: mb ? (b.stats.get(path)?.output?.shape ?? null) : null,
      },
      cost: { a: ma ? cost(a.stats.get(path)) : null, b: mb ? cost(b.stats.get(path)) : null },
      modules: subtreeSize(s.modules, m.path),
    });
    return 0;
  }
  const row: ModuleChange = {
    ...base,
    status: "changed",
    block: { a: ma.block, b: mb.block },
    hyper: [],
    params: paramChanges(a, b, ma, mb),
    cost: { a: cost(a.stats.get(path)), b: cost(b.stats.get(path)) },
    modules: subtreeSize(b.modules, path),
  };
  const replaced = mb.replaced ?? ma.replaced;
  if (replaced && !same(ma.replaced, mb.replaced)) row.replaced = replaced;
  for (const k of [...new Set([...Object.keys(ma.hyper), ...Object.keys(mb.hyper)])]) {
    if (!same(ma.hyper[k], mb.hyper[k])) row.hyper.push({ name: k, a: ma.hyper[k] ?? null, b: mb.hyper[k] ?? null });
  }
  const oa = a.stats.get(path)?.output?.shape ?? null;
  const ob = b.stats.get(path)?.output?.shape ?? null;
  if (!same(oa, ob)) row.output = { a: oa, b: ob };
  const opsA = a.ops.get(path) ?? { wiring: [], attrs: [] };
  const opsB = b.ops.get(path) ?? { wiring: [], attrs: [] };
  if (!same(opsA, opsB))
    row.ops = { a: opsA.wiring.length, b: opsB.wiring.length, wiring: !same(opsA.wiring, opsB.wiring) };

  const at = rows.length;
  rows.push(row);
  let unchanged = 0;
  const children = [...mb.children, ...ma.children.filter((c) => !mb.children.includes(c))];
  for (const c of children) {
    const before = rows.length;
    const n = diffModule(a, b, c, depth + 1, rows);
    if (rows.length === before) row.unchanged += n;
    unchanged += n;
  }
  // The model itself is named differently in two files without that being a difference.
  const blockDiffers = path !== "" && ma.block !== mb.block;
  const own =
    blockDiffers ||
    row.replaced ||
    row.hyper.length ||
    row.params.length ||
    row.output ||
    row.ops ||
    !same(ma.optional, mb.optional);
  if (!own && rows.length === at + 1) {
    rows.pop();
    return unchanged + 1;
  }
  return unchanged;
}

function portChanges(a: ModelIR, b: ModelIR): PortChange[] {
  const out: PortChange[] = [];
  for (const kind of ["input", "output"] as const) {
    const pa = new Map(a.graph[`${kind}s`].map((p) => [p.name, p.type]));
    const pb = new Map(b.graph[`${kind}s`].map((p) => [p.name, p.type]));
    for (const name of [...new Set([...pa.keys(), ...pb.keys()])]) {
      const ta: TensorType | undefined = pa.get(name);
      const tb: TensorType | undefined = pb.get(name);
      if (!same(ta, tb)) out.push({ kind, name, a: ta ?? null, b: tb ?? null });
    }
  }
  return out;
}

function hyperChanges(a: ModelIR, b: ModelIR): HyperChange[] {
  const ha = new Map(a.hyper.map((h) => [h.name, h]));
  const hb = new Map(b.hyper.map((h) => [h.name, h]));
  const pick = (h: ModelIR["hyper"][number] | undefined) =>
    h ? { value: h.value, source: h.source, ...(h.origin ? { origin: h.origin } : {}) } : null;
  const out: HyperChange[] = [];
  for (const name of [...new Set([...ha.keys(), ...hb.keys()])]) {
    if (ha.get(name)?.value !== hb.get(name)?.value || !ha.has(name) || !hb.has(name))
      out.push({ name, a: pick(ha.get(name)), b: pick(hb.get(name)) });
  }
  return out;
}

/** Compare two compiled models; batch symbols are 1 for costs unless given. */
export function diffModels(a: ModelIR, b: ModelIR, symbols: Record<string, number> = {}): DiffJson {
  const sa = side(a, b, symbols);
  const sb = side(b, a, symbols);
  const modules: ModuleChange[] = [];
  const unchanged = diffModule(sa, sb, "", 0, modules);
  const hyper = hyperChanges(a, b);
  const ports = portChanges(a, b);
  const env = Object.fromEntries([...new Set([...a.symbols, ...b.symbols])].map((s) => [s, symbols[s] ?? 1]));
  const totalA = sa.stats.get("")!;
  const totalB = sb.stats.get("")!;
  return {
    diffVersion: DIFF_VERSION,
    a: { file: a.file, model: a.model, preset: a.preset ?? null },
    b: { file: b.file, model: b.model, preset: b.preset ?? null },
    changed: hyper.length > 0 || ports.length > 0 || modules.length > 0,
    hyper,
    total: { a: { params: totalA.params, macs: totalA.macs }, b: { params: totalB.params, macs: totalB.macs } },
    ports,
    modules,
    unchanged,
    symbols: env,
  };
}
