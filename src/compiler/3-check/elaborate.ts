/**
 * Phase 3a: instantiate the model: every block use becomes an Instance with bound hyperparameters,
 * parameters with whole-number shapes, and children whose names form the state-dict keys.
 */
import type * as A from "../1-syntax/ast.ts";
import { blockView, positionalTraps, type PositionalTrap } from "../2-resolve/derive.ts";
import type { Definition, Program } from "../2-resolve/program.ts";
import { didYouMean } from "../2-resolve/suggest.ts";
import { diag, withHint, withNote, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { Init } from "../0-core/schema.ts";
import { DType, dtypeNamed } from "../ops/types.ts";
import { BLOCK_DEPTH_LIMIT, Budget } from "../limits.ts";
import { matchPath, parsePattern, type PathPattern } from "../paths/pattern.ts";
import type { Span } from "../source.ts";
import { Evaluator } from "./evaluate.ts";
import { bindArguments, checkPositionalTraps } from "./call-args.ts";
import { coerce } from "./hyper.ts";
import { usedNames, warnUnused } from "./unused.ts";
import type { Provenance } from "./provenance.ts";
import type { Edit, ModelConfig } from "./model-config.ts";
import { Scope, kindName, show, type Instance, type ParamInst, type Value } from "./values.ts";

/** While binding from a checkpoint: the shapes found, and the equations collected against them. */
export interface BindingProbe {
  shapes: Map<string, number[]>;
  equations: { lhs: Value; actual: number; key: string; dim: number; declared: Value[]; found: number[]; span: Span }[];
  rankErrors: Diagnostic[];
}

const initKinds: Record<string, { kind: Init["kind"]; arity: number[] }> = {
  normal: { kind: "normal", arity: [1] },
  trunc_normal: { kind: "trunc_normal", arity: [1] },
  uniform: { kind: "uniform", arity: [2] },
  zeros: { kind: "zeros", arity: [0] },
  ones: { kind: "ones", arity: [0] },
  fill: { kind: "fill", arity: [1] },
};

export class Elaborator {
  private readonly ev: Evaluator;
  private readonly stack: string[] = [];
  private readonly patterns = new Map<Edit, PathPattern | null>();
  /** Removals of members that are not optional, decided once the owner's forward is known (`settle`). */
  private removals: { owner: Instance; member: string; path: string; span: Span }[] = [];
  private readonly failedAsserts = new Set<string>();
  /** Set by a full compile: errors inside an instance name it and where its values came from. */
  provenance?: Provenance;

  constructor(
    private readonly program: Program,
    private readonly cfg: ModelConfig,
    private readonly modelScope: Scope,
    private readonly diagnostics: Diagnostic[],
    private readonly probe?: BindingProbe,
    private readonly budget = new Budget(),
    /** Set for a block checked on its own (generic.ts): its hyperparameters are symbols. */
    requirements?: string[],
  ) {
    this.ev = new Evaluator(diagnostics);
    this.ev.requirements = requirements;
  }

  /** The model itself is the root instance; its members are the merged members of its chain. */
  root(): Instance {
    const def = this.cfg.def;
    const inst = this.newInstance("", "", "block", def.name, def, this.modelScope, def.decl.span);
    inst.forward = this.cfg.forward;
    for (const { member, file } of this.cfg.members) this.member(inst, member, file);
    inst.forwards = forwardsOf(this.cfg.chain);
    this.settle(inst);
    for (const e of this.cfg.edits) {
      if (!e.used) {
        const paths = this.allPaths(inst);
        this.diagnostics.push(withHint(diag("unknown_member", e.span, e.path, def.name), didYouMean(e.path, paths)));
      }
    }
    return inst;
  }

  /**
   * A block on its own, as no model instantiates it: `scope` holds its hyperparameters (symbols where
   * they have no value), and what depends on their values is left open (Evaluator.requirements).
   */
  generic(def: Definition, scope: Scope): Instance {
    const inst = this.newInstance("", "", "block", def.name, def, scope, def.decl.span);
    // a derived block is checked as its chain merged, as when it is instantiated
    const view = blockView(this.program, def as Definition & { decl: A.BlockDecl });
    for (const hp of view.params) inst.hyper.set(hp.name.name, scope.get(hp.name.name)!);
    this.stack.push(def.name);
    for (const { member, file } of view.members) this.member(inst, member, file);
    this.stack.pop();
    inst.forwards = forwardsOf(view.chain);
    this.settle(inst);
    return inst;
  }

  /**
   * After an instance's members: a `remove` of a member that is not optional stands only when no forward uses
   * it; members no forward uses are warnings.
   */
  private settle(inst: Instance): void {
    const used = usedNames(inst);
    for (const r of this.removals.filter((x) => x.owner === inst)) {
      if (!used || used.has(r.member)) this.diagnostics.push(diag("not_optional", r.span, r.path));
    }
    this.removals = this.removals.filter((x) => x.owner !== inst);
    warnUnused(inst, this.diagnostics);
  }

  evaluate(e: A.Expr, scope: Scope): Value {
    return this.ev.expr(e, scope);
  }

  private allPaths(inst: Instance, out: string[] = []): string[] {
    for (const m of inst.members.values()) {
      if (!m) continue;
      out.push(m.path);
      this.allPaths(m, out);
    }
    return out;
  }

  private newInstance(
    path: string,
    prefix: string,
    kind: Instance["kind"],
    blockName: string,
    def: Definition | undefined,
    scope: Scope,
    span: Span,
  ): Instance {
    this.budget.reserveInstances(1, span);
    return {
      path,
      weightPrefix: prefix,
      kind,
      blockName,
      def,
      scope,
      hyper: new Map(),
      params: new Map(),
      members: new Map(),
      memberOrder: [],
      optional: new Set(),
      span,
    };
  }

  private member(inst: Instance, m: A.Member, file: string): void {
    switch (m.kind) {
      case "LetMember": {
        if (inst.scope.hasOwn(m.name.name)) this.diagnostics.push(diag("shadowed_name", m.name.span, m.name.name));
        inst.scope.set(m.name.name, this.ev.expr(m.value, inst.scope));
        this.provenance?.bind(inst.scope, m.name.name, m.value, inst.scope);
        return;
      }
      case "ParamMember":
        return this.param(inst, m);
      case "Forward":
        inst.forward = m;
        return;
      case "UseMember":
        this.addChild(inst, [m.name], m.module, file, m.optional, undefined, true, m.span, false);
        return;
      case "AssertMember":
        return this.assertion(inst, m);
      case "SubModule":
        this.addChild(inst, m.path, m.module, file, m.optional, m.cond, false, m.span, m.recompute);
        return;
    }
  }

  /**
   * `assert cond, "message"`, with the hyperparameters and lets before it: a failure is reported
   * at the call that made the instance, naming its path (once per call, for the first layer of a stack that fails),
   * with the assertion as a note. Open in a block checked on its own, where the hyperparameters are symbols.
   */
  private assertion(inst: Instance, m: A.AssertMember): void {
    const v = this.ev.expr(m.cond, inst.scope);
    if (v.k === "sym" || v.k === "error" || (v.k === "bool" && v.v)) return;
    if (v.k !== "bool") {
      this.diagnostics.push(diag("bad_condition", m.cond.span, kindName(v)));
      return;
    }
    const at = inst.path ? inst.span : m.span;
    const key = `${at.file}:${at.start}:${m.span.file}:${m.span.start}`;
    if (this.failedAsserts.has(key)) return;
    this.failedAsserts.add(key);
    const text =
      m.message ??
      `\`${this.program.files.get(m.cond.span.file)?.text.slice(m.cond.span.start, m.cond.span.end) ?? "assert"}\` does not hold`;
    const d = diag(
      "assert_failed",
      at,
      text,
      inst.path ? `\`${inst.path}\` (block \`${inst.blockName}\`)` : `the model \`${inst.blockName}\``,
    );
    this.diagnostics.push(inst.path ? withNote(d, "asserted here", m.span) : d);
  }

  private cond(expr: A.Expr | undefined, scope: Scope): boolean {
    if (!expr) return true;
    const v = this.ev.expr(expr, scope);
    if (v.k === "bool") return v.v;
    if (v.k === "sym") return v.fallback !== 0;
    if (v.k !== "error") this.diagnostics.push(diag("bad_condition", expr.span, kindName(v)));
    return true;
  }

  private param(inst: Instance, m: A.ParamMember): void {
    const name = m.name.name;
    if (inst.params.has(name) || inst.members.has(name)) {
      this.diagnostics.push(diag("duplicate_definition", m.name.span, "member", name));
      return;
    }
    if (m.cond) {
      inst.optional.add(name);
      if (!this.cond(m.cond, inst.scope)) {
        inst.members.set(name, null);
        return;
      }
    }
    const key = inst.weightPrefix + name;
    const shape: Value[] = [];
    for (const d of m.type.dims) {
      if (d.kind === "Ellipsis") {
        this.diagnostics.push(diag("bad_operand", d.span, "a parameter shape", "`...`"));
        continue;
      }
      const v = this.ev.expr(d, inst.scope);
      if (v.k === "num" && !Number.isInteger(v.v))
        this.diagnostics.push(diag("non_integer_dim", d.span, `\`${exprText(d)}\``, String(v.v)));
      else if (v.k === "num" && v.v < 0)
        this.diagnostics.push(diag("nonpositive_dim", d.span, exprText(d), String(v.v)));
      else if (v.k !== "num" && v.k !== "sym" && v.k !== "dim" && v.k !== "error")
        this.diagnostics.push(diag("type_mismatch", d.span, "a parameter dimension", "a whole number", kindName(v)));
      shape.push(v);
    }
    const dtype = m.type.dtype ? dtypeNamed(m.type.dtype.name) : "f32";
    if (!dtype && m.type.dtype)
      this.diagnostics.push(
        withHint(
          diag("unknown_name", m.type.dtype.span, "dtype", m.type.dtype.name),
          didYouMean(m.type.dtype.name, DType.options),
        ),
      );
    const p: ParamInst = {
      name,
      key,
      shape,
      dtype: dtype ?? "f32",
      init: this.init(m.init, inst.scope),
      span: m.name.span,
    };
    inst.params.set(name, p);
    inst.memberOrder.push(name);
    this.probeParam(p);
  }

  private init(e: A.Expr | undefined, scope: Scope): Init {
    if (!e) return { kind: "zeros", args: [] };
    const call = e.kind === "Call" && e.callee.kind === "Name" ? e.callee.name : e.kind === "Name" ? e.name : undefined;
    const spec = call ? initKinds[call] : undefined;
    if (!spec) {
      this.diagnostics.push(
        withHint(
          diag("unknown_function", e.span, call ?? "initialiser"),
          call ? didYouMean(call, Object.keys(initKinds)) : undefined,
        ),
      );
      return { kind: "zeros", args: [] };
    }
    const args = e.kind === "Call" ? e.args : [];
    if (!spec.arity.includes(args.length)) {
      this.diagnostics.push(diag("arity", e.span, call!, spec.arity.join(" or "), args.length));
      return { kind: spec.kind, args: [] };
    }
    const nums = args.map((a) => {
      const v = this.ev.expr(a.value, scope);
      if (v.k === "num") return v.v;
      if (v.k === "sym") return v.fallback;
      if (v.k === "dim" && this.ev.requirements) return 0;
      if (v.k !== "error")
        this.diagnostics.push(diag("type_mismatch", a.span, `the argument of \`${call}\``, "a number", kindName(v)));
      return 0;
    });
    return { kind: spec.kind, args: nums };
  }

  private probeParam(p: ParamInst): void {
    const found = this.probe?.shapes.get(p.key);
    if (!this.probe || !found) return;
    if (found.length !== p.shape.length) {
      this.probe.rankErrors.push(
        diag("bad_binding_shape", p.span, p.key, `[${p.shape.map(show).join(", ")}]`, `[${found.join(", ")}]`),
      );
      return;
    }
    p.shape.forEach((lhs, i) =>
      this.probe!.equations.push({ lhs, actual: found[i], key: p.key, dim: i, declared: p.shape, found, span: p.span }),
    );
  }

  /** Declare a child member (a dotted path creates namespace instances on the way). */
  private addChild(
    inst: Instance,
    path: A.Ident[],
    me: A.ModuleExpr,
    file: string,
    optional: boolean,
    cond: A.Expr | undefined,
    use: boolean,
    span: Span,
    recompute: boolean,
  ): void {
    let parent = inst;
    for (const seg of path.slice(0, -1)) {
      let ns = parent.members.get(seg.name);
      if (!ns) {
        ns = this.newInstance(
          join(parent.path, seg.name),
          parent.weightPrefix + seg.name + ".",
          "namespace",
          "",
          undefined,
          parent.scope,
          seg.span,
        );
        parent.members.set(seg.name, ns);
        parent.memberOrder.push(seg.name);
      }
      parent = ns;
    }
    const last = path[path.length - 1];
    if (parent.members.has(last.name) || parent.params.has(last.name)) {
      this.diagnostics.push(diag("duplicate_definition", last.span, "member", last.name));
      return;
    }
    const childPath = join(parent.path, last.name);
    const prefix = use ? inst.weightPrefix : parent.weightPrefix + last.name + ".";
    if (optional) parent.optional.add(last.name);
    parent.memberOrder.push(last.name);
    const edit = this.editFor(childPath);
    if (edit?.kind === "remove") {
      if (!optional)
        this.removals.push({
          owner: inst,
          member: path.map((p) => p.name).join("."),
          path: childPath,
          span: edit.span,
        });
      parent.members.set(last.name, null);
      return;
    }
    if (!this.cond(cond, inst.scope)) {
      parent.members.set(last.name, null);
      return;
    }
    let child: Instance | undefined;
    if (edit?.kind === "replace" && edit.module) {
      child = this.moduleExpr(edit.module, this.modelScope, edit.file, childPath, prefix);
      if (child) child.replaced = { from: moduleName(me), by: moduleName(edit.module), span: edit.span };
    } else child = this.moduleExpr(me, inst.scope, file, childPath, prefix);
    if (child) {
      child.span = span;
      if (recompute) markRecompute(child);
      parent.members.set(last.name, child);
    }
  }

  /**
   * The edit that applies to a member path: edits are paths or patterns (`resblocks.11`, `resblocks.*`,
   * `**.adapter`); every one that matches counts as used and the last wins, so a command-line edit overrides
   * what a variant (or its base) already replaced.
   */
  private editFor(path: string): Edit | undefined {
    let hit: Edit | undefined;
    for (const e of this.cfg.edits) {
      let pattern = this.patterns.get(e);
      if (pattern === undefined) {
        const parsed = parsePattern(e.path);
        pattern = "pattern" in parsed ? parsed.pattern : null;
        if ("error" in parsed) {
          this.diagnostics.push(diag("bad_path_pattern", e.span, "the edit path", e.path, parsed.error.reason));
          e.used = true;
        }
        this.patterns.set(e, pattern);
      }
      if (pattern && matchPath(pattern, path)) {
        e.used = true;
        hit = e;
      }
    }
    return hit;
  }

  /** One layer of a repeat or seq, which an edit may address by its index (`replace resblocks.11 = ...`). */
  private element(me: A.ModuleExpr, scope: Scope, file: string, path: string, prefix: string): Instance | undefined {
    const edit = this.editFor(path);
    if (edit?.kind === "remove") {
      this.diagnostics.push(diag("not_optional", edit.span, path));
    } else if (edit?.module) {
      const child = this.moduleExpr(edit.module, this.modelScope, edit.file, path, prefix);
      if (child) child.replaced = { from: moduleName(me), by: moduleName(edit.module), span: edit.span };
      return child;
    }
    return this.moduleExpr(me, scope, file, path, prefix);
  }

  private moduleExpr(me: A.ModuleExpr, scope: Scope, file: string, path: string, prefix: string): Instance | undefined {
    if (me.kind === "Instance") return this.instantiate(me, scope, file, path, prefix);
    if (me.kind === "Seq") {
      const inst = this.newInstance(path, prefix, "seq", "seq", undefined, scope, me.span);
      for (const item of me.items) {
        const k = String(item.key);
        if (inst.members.has(k)) this.diagnostics.push(diag("duplicate_definition", item.keySpan, "member", k));
        const child = this.element(item.module, scope, file, join(path, k), `${prefix}${k}.`);
        if (child) {
          inst.members.set(k, child);
          inst.memberOrder.push(k);
        }
      }
      return inst;
    }
    const count = this.ev.expr(me.count, scope);
    let n = 0;
    if (count.k === "num" && Number.isInteger(count.v) && count.v >= 0) n = count.v;
    else if (count.k === "sym") n = this.probeRepeat(count, prefix, me.count.span);
    else if (count.k === "dim" && this.ev.requirements)
      n = 1; // a symbolic count: one copy stands for all
    else if (count.k !== "error") this.diagnostics.push(diag("bad_repeat", me.count.span, show(count)));
    const inst = this.newInstance(path, prefix, "repeat", "repeat", undefined, scope, me.span);
    // The copies stay expanded (one Instance per layer, hence per-layer IR modules and state-dict keys):
    // summary, diff, viz and every lowering read that IR, so a symbolic stack would change them all at
    // once. Instead the first copy's size predicts the rest, and an oversized stack is refused here,
    // at its count, before any further copy is made.
    const before = this.budget.instances;
    for (let i = 0; i < n; i++) {
      if (i === 1) {
        const each = this.budget.instances - before;
        if (each === 0) break; // the first copy failed (and said why); the others would fail the same way
        this.budget.expectInstances((n - 1) * each, me.count.span);
      }
      const s = new Scope(scope);
      if (me.index) s.set(me.index.name, { k: "num", v: i, int: true });
      const child = this.element(me.body, s, file, join(path, String(i)), `${prefix}${i}.`);
      if (child) {
        inst.members.set(String(i), child);
        inst.memberOrder.push(String(i));
      }
    }
    return inst;
  }

  /** A repeat count bound from weights: the number of distinct indices under its prefix. */
  private probeRepeat(count: Value & { k: "sym" }, prefix: string, span: Span): number {
    const found = new Set<number>();
    for (const key of this.probe?.shapes.keys() ?? []) {
      if (!key.startsWith(prefix)) continue;
      const m = /^(\d+)\./.exec(key.slice(prefix.length));
      if (m) found.add(Number(m[1]));
    }
    if (found.size === 0) return count.fallback;
    this.probe!.equations.push({
      lhs: count,
      actual: found.size,
      key: `${prefix}*`,
      dim: -1,
      declared: [count],
      found: [found.size],
      span,
    });
    return found.size;
  }

  private instantiate(
    me: A.InstanceExpr,
    callerScope: Scope,
    file: string,
    path: string,
    prefix: string,
  ): Instance | undefined {
    const def = this.program.scopes.get(file)?.get(me.block.name);
    if (!def || def.decl.kind !== "Block") {
      const known = [...(this.program.scopes.get(file)?.values() ?? [])]
        .filter((d) => d.decl.kind === "Block")
        .map((d) => d.name);
      this.diagnostics.push(
        withHint(diag("unknown_block", me.block.span, me.block.name), didYouMean(me.block.name, known)),
      );
      return undefined;
    }
    if (this.stack.length >= BLOCK_DEPTH_LIMIT) {
      this.diagnostics.push(diag("block_too_deep", me.block.span, BLOCK_DEPTH_LIMIT));
      return undefined;
    }
    if (this.stack.includes(def.name)) {
      this.diagnostics.push(
        diag("recursive_block", me.block.span, [...this.stack.slice(this.stack.indexOf(def.name)), def.name]),
      );
      return undefined;
    }
    // a derived block (`block X extends Y`) is its chain merged: Y's hyperparameters, members and forward, then X's
    const view = blockView(this.program, def as Definition & { decl: A.BlockDecl });
    const decl = { ...def.decl, params: view.params };
    const scope = new Scope();
    const inst = this.newInstance(path, prefix, "block", def.name, def, scope, me.span);
    const mark = this.diagnostics.length;
    // `init: zeros` on a block that declares no `init` overrides the initialiser of every parameter the block
    // itself declares (Linear(d, k, init: zeros) is a zero-initialised layer; sub-modules keep theirs)
    const override = decl.params.some((p) => p.name.name === "init")
      ? undefined
      : me.args.find((a) => a.name?.name === "init");
    if (override) me = { ...me, args: me.args.filter((a) => a !== override) };
    const given = this.bindArgs(me, decl, callerScope, positionalTraps(view));
    for (const hp of decl.params) {
      const name = hp.name.name;
      let v = given.get(name);
      if (!v) {
        if (hp.default) v = this.ev.expr(hp.default, scope);
        else {
          this.diagnostics.push(diag("missing_argument", me.span, name, def.name));
          v = { k: "error" };
        }
      }
      v = coerce(
        v,
        hp.type,
        `\`${name}\` of \`${def.name}\``,
        given.has(name) ? argSpan(me, decl, name) : hp.span,
        this.diagnostics,
      );
      scope.set(name, v);
      inst.hyper.set(name, v);
      this.provenance?.bind(
        scope,
        name,
        given.has(name) ? argOf(me, decl, name)?.value : hp.default,
        given.has(name) ? callerScope : scope,
      );
    }
    this.stack.push(def.name);
    for (const { member, file: from } of view.members) this.member(inst, member, from);
    this.stack.pop();
    if (override) {
      // "zeros" reads as zeros: the name of an initialiser that takes no argument
      const v = override.value;
      const init = this.init(v.kind === "String" ? { kind: "Name", name: v.value, span: v.span } : v, callerScope);
      for (const p of inst.params.values()) p.init = init;
    }
    inst.forwards = forwardsOf(view.chain);
    this.settle(inst);
    this.provenance?.annotate(this.diagnostics, mark, inst, me.span.file);
    return inst;
  }

  private bindArgs(
    me: A.InstanceExpr,
    decl: A.BlockDecl,
    callerScope: Scope,
    traps: Map<string, PositionalTrap>,
  ): Map<string, Value> {
    const values = me.args.map((a) => this.ev.expr(a.value, callerScope));
    const sites = me.args.map((a) => ({ name: a.name?.name, nameSpan: a.name?.span, span: a.span }));
    const bound = bindArguments(
      decl.name.name,
      decl.params.map((p) => p.name.name),
      sites,
      this.diagnostics,
    );
    const text = (i: number) =>
      this.program.files
        .get(me.args[i].value.span.file)
        ?.text.slice(me.args[i].value.span.start, me.args[i].value.span.end) ?? show(values[i]);
    checkPositionalTraps(decl.name.name, traps, sites, bound, text, this.diagnostics);
    return new Map([...bound].map(([name, i]) => [name, values[i]]));
  }
}

function forwardsOf(chain: Definition[]): A.ForwardDecl[] {
  return chain.flatMap((link) => link.decl.members.filter((m): m is A.ForwardDecl => m.kind === "Forward"));
}

function argSpan(me: A.InstanceExpr, decl: A.BlockDecl, name: string): Span {
  return argOf(me, decl, name)?.span ?? me.span;
}

function argOf(me: A.InstanceExpr, decl: A.BlockDecl, name: string): A.InstanceExpr["args"][number] | undefined {
  const i = decl.params.findIndex((p) => p.name.name === name);
  return me.args.find((a) => a.name?.name === name) ?? me.args.filter((a) => !a.name)[i];
}

/** `recompute` on a repeat or seq applies to each element: one block at a time is recomputed, as X-CLIP's
 * TRAIN.USE_CHECKPOINT does per resblock (recomputing the whole stack at once would save nothing at its peak). */
function markRecompute(inst: Instance): void {
  if (inst.kind === "block") inst.recompute = true;
  else for (const m of inst.members.values()) if (m) markRecompute(m);
}

export function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

export function moduleName(me: A.ModuleExpr): string {
  return me.kind === "Instance" ? me.block.name : me.kind === "Repeat" ? "repeat" : "seq";
}

function exprText(e: A.Expr): string {
  switch (e.kind) {
    case "Name":
      return e.name;
    case "Number":
      return e.text;
    case "Binary":
      return `${exprText(e.left)} ${e.op} ${exprText(e.right)}`;
    default:
      return "expression";
  }
}

export type { Edit };
