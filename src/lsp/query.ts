/**
 * What the editor asks about a position: hover (a sub-module's output shape, parameters and MACs; a
 * forward variable's shape) and go-to-definition (block and model names, across imports; members and
 * hyperparameters, own or inherited through `extends`). Answers come from the last compile: the Program
 * for names, the IR for shapes and costs.
 */
import type * as A from "../compiler/1-syntax/ast.ts";
import type { Program } from "../compiler/2-resolve/program.ts";
import type { ModuleStats } from "../compiler/4-ir/analyze.ts";
import type { ModelIR, Module, TensorType } from "../compiler/0-core/schema.ts";
import { human } from "../tools/diff/print.ts";
import { forwardLocals, nodesOf } from "./ast-walk.ts";
import { blockHover } from "./doc-comment.ts";
import { definitionOf, memberNamed, memberNameSpan, viewOf } from "./inherited.ts";
import { wordAt } from "./positions.ts";

export interface Analysis {
  program: Program;
  ir?: ModelIR;
  stats?: Map<string, ModuleStats>;
  /** In an analysis carried over a compile without an IR: what the edits since may have changed (carry-over.ts). */
  hidden?: Hidden;
}

/** What a carried-over analysis must not show. */
export interface Hidden {
  /** Instances of changed declarations and everything under them: their hyperparameter values may differ. */
  modules: Set<string>;
  /** Those, and the instances called with a hidden value (with everything under them): their shapes may differ. */
  shapes: Set<string>;
  /** Values computed in a hidden instance, or from a hidden value. */
  nodes: Set<number>;
  /** Blocks named in changed text: which of their instances comes first is not known. */
  decls: Set<string>;
}

export const typeText = (t: TensorType) => `${t.dtype}[${t.shape.join(", ")}]`;
const within = (s: { start: number; end: number }, offset: number) => s.start <= offset && offset <= s.end;

export function declAt(program: Program, file: string, offset: number): A.BlockDecl | A.ModelDecl | undefined {
  return program.files.get(file)?.ast.decls.find((d) => within(d.span, offset));
}

/** The sub-module or `use` member a name in `decl` refers to: its own, or one it inherits (with the declaring file). */
function subModule(
  a: Analysis,
  file: string,
  decl: A.BlockDecl | A.ModelDecl,
  name: string,
): { member: A.SubModule | A.UseMember; file: string; inherited: boolean } | undefined {
  const def = definitionOf(a.program, file, decl);
  const m = memberNamed(viewOf(a.program, def), name);
  if (m?.member.kind !== "SubModule" && m?.member.kind !== "UseMember") return undefined;
  // a model's modules are all its own: only an inherited member of a block is told apart by its owner
  return { member: m.member, file: m.from.file, inherited: m.from.decl !== decl && decl.kind === "Block" };
}

/**
 * The first module instance declared by this member (the shallowest when a repeat stacks several); an
 * inherited member's, only among the instances of the block that inherits it (`owner`).
 */
export function instanceOf(
  a: Analysis,
  file: string,
  member: A.SubModule | A.UseMember,
  owner?: string,
): Module | undefined {
  const owners =
    owner === undefined ? undefined : (a.ir?.modules ?? []).filter((m) => m.block === owner).map((m) => `${m.path}.`);
  const hits = (a.ir?.modules ?? []).filter(
    (m) =>
      m.loc &&
      m.loc.file === file &&
      m.loc.start >= member.span.start &&
      m.loc.end <= member.span.end &&
      (!owners || owners.some((o) => m.path.startsWith(o))),
  );
  const first = hits.sort((x, y) => x.path.split(".").length - y.path.split(".").length)[0];
  return first && !a.hidden?.modules.has(first.path) ? first : undefined;
}

function moduleHover(a: Analysis, m: Module): string {
  // an output and a cost summed over instances of which one was edited are not known
  const edited =
    a.hidden &&
    [...a.hidden.shapes].some(
      (p) => m.path === "" || p === "" || p === m.path || p.startsWith(`${m.path}.`) || m.path.startsWith(`${p}.`),
    );
  const s = edited ? undefined : a.stats?.get(m.path);
  const lines = [`**${m.path || a.ir!.model}**: \`${m.block}\``];
  if (s?.output) lines.push(`output \`${typeText(s.output)}\``);
  if (s) lines.push(`${human(s.params)} parameters (${s.params.toLocaleString("en-US")}), ${human(s.macs)} MACs`);
  return lines.join("\n\n");
}

/** The statements of a forward body, flattened (for, if), in source order. */
export function statements(body: readonly A.Stmt[]): A.Stmt[] {
  return body.flatMap((s) =>
    s.kind === "For"
      ? [s, ...statements(s.body)]
      : s.kind === "If"
        ? [s, ...statements(s.then), ...statements(s.else ?? [])]
        : [s],
  );
}

/** The type of a forward variable: of the expression last bound to it before (or at) the cursor. */
function variableHover(
  a: Analysis,
  file: string,
  decl: A.BlockDecl | A.ModelDecl,
  name: string,
  offset: number,
): string | undefined {
  const fwd = decl.members.find((m): m is A.ForwardDecl => m.kind === "Forward");
  if (!fwd || !within(fwd.span, offset) || !a.ir) return undefined;
  let bound: { expr: A.Expr; index: number } | undefined;
  for (const s of statements(fwd.body)) {
    if (s.span.start > offset) break;
    if (s.kind === "Let" && s.names.some((n) => n.name === name))
      bound = { expr: s.value, index: s.destructure ? s.names.findIndex((n) => n.name === name) : -1 };
    if (s.kind === "Assign" && s.name.name === name) bound = { expr: s.value, index: -1 };
  }
  if (!bound) {
    const input = fwd.inputs.find((i) => i.name.name === name);
    const port = input && decl.kind === "Model" ? a.ir.graph.inputs.find((p) => p.name === name) : undefined;
    return port ? `\`${name}\`: \`${typeText(port.type)}\`` : undefined;
  }
  const t = exprType(a, file, decl, bound.expr, bound.index);
  return t ? `\`${name}\`: \`${typeText(t)}\`` : undefined;
}

/**
 * The type the checker gave an expression of a forward body, read from the IR: a sub-module call's
 * output (by the call's scope), else the node built at exactly the expression's span. A block used
 * several times (a repeat) answers with its first instance; `index` picks an output of a destructure.
 */
export function exprType(
  a: Analysis,
  file: string,
  decl: A.BlockDecl | A.ModelDecl,
  e: A.Expr,
  index = -1,
): TensorType | undefined {
  if (!a.ir) return undefined;
  if (e.kind === "Call" && (e.callee.kind === "Name" || e.callee.kind === "Member")) {
    const callee = calleeName(e.callee);
    const sub = callee ? subModule(a, file, decl, callee) : undefined;
    const inst = sub ? instanceOf(a, sub.file, sub.member, sub.inherited ? decl.name.name : undefined) : undefined;
    const call = inst ? a.ir.graph.calls.find((c) => c.scope === inst.path) : undefined;
    const out = call ? call.outputs[index < 0 ? 0 : index] : undefined;
    if (out) return a.hidden?.nodes.has(out.value) ? undefined : a.ir.graph.nodes[out.value].type;
  }
  const node = a.ir.graph.nodes.find(
    (n) => n.loc && n.loc.file === file && n.loc.start === e.span.start && n.loc.end === e.span.end,
  );
  return node && !a.hidden?.nodes.has(node.id) ? node.type : undefined;
}

function calleeName(e: A.Expr): string | undefined {
  if (e.kind === "Name") return e.name;
  if (e.kind === "Member") {
    const t = calleeName(e.target);
    return t ? `${t}.${e.name.name}` : undefined;
  }
  return undefined;
}

export function hover(a: Analysis, file: string, offset: number): string | undefined {
  return shapeHover(a, file, offset) ?? nameHover(a, file, offset) ?? hyperHover(a, file, offset);
}

/** The hyperparameter values (and block-level lets) of the first (shallowest) instance of a block, or the model's own. */
export function boundHyper(
  a: Analysis,
  decl: A.BlockDecl | A.ModelDecl,
): Map<string, string | number | boolean> | undefined {
  return firstInstance(a, decl)?.hyper;
}

function firstInstance(
  a: Analysis,
  decl: A.BlockDecl | A.ModelDecl,
): { path: string; hyper: Map<string, string | number | boolean> } | undefined {
  if (!a.ir) return undefined;
  if (decl.kind === "Model")
    return decl.name.name === a.ir.model && !a.hidden?.modules.has("")
      ? { path: "", hyper: new Map(a.ir.hyper.map((h) => [h.name, h.value as string | number | boolean])) }
      : undefined;
  const inst = a.ir.modules
    .filter((m) => m.block === decl.name.name)
    .sort((x, y) => x.path.split(".").length - y.path.split(".").length)[0];
  return inst && !a.hidden?.modules.has(inst.path)
    ? { path: inst.path, hyper: new Map(Object.entries(inst.hyper) as [string, string | number | boolean][]) }
    : undefined;
}

/**
 * A hyperparameter (own or inherited through `extends`) or a block-level `let` under the cursor: its type, where it
 * comes from, and the value it has in the instance the compiled model builds first (the value inlay hints show).
 */
function hyperHover(a: Analysis, file: string, offset: number): string | undefined {
  const text = a.program.files.get(file)?.text;
  const w = text === undefined ? undefined : wordAt(text, offset);
  const decl = declAt(a.program, file, offset);
  if (!w || w.word.includes(".") || !decl || a.hidden?.decls.has(decl.name.name)) return undefined;
  const fwd = decl.members.find((m) => m.kind === "Forward");
  if (fwd && within(fwd.span, offset) && forwardLocals(decl).has(w.word)) return undefined;
  const view = viewOf(a.program, definitionOf(a.program, file, decl));
  const param = view.params.find((p) => p.param.name.name === w.word);
  const member = param ? undefined : memberNamed(view, w.word);
  if (!param && member?.member.kind !== "LetMember") return undefined;
  const from = (param ?? member)!.from;
  const inst = firstInstance(a, decl);
  const where = inst && (inst.path ? `in \`${inst.path}\`, the first instance` : "in this model");
  if (param) {
    const lines = [
      `\`${w.word}: ${typeRefText(param.param.type)}\`, hyperparameter of \`${decl.name.name}\`${from.decl === decl ? "" : ` (from \`${from.name}\`)`}`,
    ];
    const value = inst?.hyper.get(w.word);
    if (value !== undefined) lines.push(`= \`${value}\` ${where}`);
    return lines.join("\n\n");
  }
  // a let's value is not kept in the IR: its expression, and the values of the hyperparameters it reads
  const let_ = member!.member as A.LetMember;
  const source = a.program.files.get(from.file)?.text.slice(let_.value.span.start, let_.value.span.end);
  const lines = [
    `\`let ${w.word} = ${source}\`, bound once per instance of \`${decl.name.name}\`${from.decl === decl ? "" : ` (from \`${from.name}\`)`}`,
  ];
  const used = [...new Set(nodesOf(let_.value, ["Name"]).map((n) => n.name as string))].filter((n) =>
    inst?.hyper.has(n),
  );
  if (used.length) lines.push(`with ${used.map((n) => `\`${n} = ${inst!.hyper.get(n)}\``).join(", ")} ${where}`);
  return lines.join("\n\n");
}

const typeRefText = (t: A.TypeRef) => (t.options ? `${t.name}(${t.options.join(" | ")})` : t.name);

/** What the IR says about the word under the cursor: a sub-module's figures, a forward variable's shape. */
export function shapeHover(a: Analysis, file: string, offset: number): string | undefined {
  const text = a.program.files.get(file)?.text;
  const w = text === undefined ? undefined : wordAt(text, offset);
  const decl = declAt(a.program, file, offset);
  if (!w || !decl || a.hidden?.decls.has(decl.name.name)) return undefined;
  const sub = subModule(a, file, decl, w.word);
  if (sub && a.ir) {
    const inst = instanceOf(a, sub.file, sub.member, sub.inherited ? decl.name.name : undefined);
    if (inst) return moduleHover(a, inst);
  }
  return variableHover(a, file, decl, w.word, offset);
}

/** The signature and doc comment of the block or model named under the cursor. */
function nameHover(a: Analysis, file: string, offset: number): string | undefined {
  const text = a.program.files.get(file)?.text;
  const w = text === undefined ? undefined : wordAt(text, offset);
  const def = w && declAt(a.program, file, offset) ? a.program.scopes.get(file)?.get(w.word) : undefined;
  return def ? blockHover(a.program, def) : undefined;
}

/**
 * Where the name under the cursor is declared: a block or model (in this file or the one it is imported
 * from), or a member or hyperparameter of the enclosing declaration, own or inherited through `extends`
 * (then in the base's declaration). A forward's local variables are not members.
 */
export function definition(a: Analysis, file: string, offset: number): A.Ident["span"] | undefined {
  const text = a.program.files.get(file)?.text;
  const w = text === undefined ? undefined : wordAt(text, offset);
  if (!w) return undefined;
  const def = a.program.scopes.get(file)?.get(w.word);
  if (def) return def.decl.name.span;
  const decl = declAt(a.program, file, offset);
  const first = w.word.split(".")[0];
  const fwd = decl?.members.find((m) => m.kind === "Forward");
  if (!decl || (fwd && within(fwd.span, offset) && forwardLocals(decl).has(first))) return undefined;
  const view = viewOf(a.program, definitionOf(a.program, file, decl));
  const member = memberNamed(view, w.word) ?? memberNamed(view, first);
  if (member) return memberNameSpan(member.member);
  return view.params.find((p) => p.param.name.name === first)?.param.name.span;
}
