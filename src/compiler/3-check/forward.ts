/**
 * Phase 3b: check every forward body by running it symbolically. Each tensor operation becomes a
 * graph node with an inferred symbolic shape; a mismatch is reported where it arises.
 */
import type * as A from "../1-syntax/ast.ts";
import { diag, withHint, withNote, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { didYouMean } from "../2-resolve/suggest.ts";
import * as P from "../0-core/dim.ts";
import { dtypeNamed, type DType } from "../ops/types.ts";
import type { Span } from "../source.ts";
import { builtinNames, callBuiltin, type CallArg } from "./builtins.ts";
import { Evaluator } from "./evaluate.ts";
import { GraphBuilder } from "./graph.ts";
import { EVAL_DEPTH_LIMIT, LimitReached, type Budget } from "../limits.ts";
import type { Instance } from "./values.ts";
import { showShape } from "../ops/rule-helpers.ts";
import { indexTensor } from "./indexing.ts";
import { itemsOf } from "./stacks.ts";
import { baseForward, SUPER } from "./unused.ts";
import { inputShape, pattern, showPattern, unify, type Binding, type Pattern, type PatternDim } from "./unify.ts";
import {
  ERROR,
  Scope,
  asPoly,
  dimValue,
  int,
  involvesOpaque,
  kindName,
  opaque,
  type TensorVal,
  type Value,
} from "./values.ts";
import type { Provenance } from "./provenance.ts";

const arith: Partial<Record<A.BinaryOp, "add" | "sub" | "mul" | "div" | "pow">> = {
  "+": "add",
  "-": "sub",
  "*": "mul",
  "/": "div",
  "**": "pow",
};
const MAX_DEPTH = 64;

interface Frame {
  inst: Instance;
  /** The forward running: the instance's own, or a base's reached through `super(...)`. */
  fwd?: A.ForwardDecl;
}

export class ForwardChecker extends Evaluator {
  readonly graph: GraphBuilder;
  private readonly frames: Frame[] = [];
  /** Set by a full compile: errors in an instance's forward name it and where its values came from. */
  provenance?: Provenance;

  constructor(diagnostics: Diagnostic[], budget?: Budget) {
    super(diagnostics);
    this.graph = new GraphBuilder(diagnostics, budget);
  }

  /**
   * Expression levels across nested forward calls. Each alone is bounded (expressions by the parser,
   * calls by MAX_DEPTH), but their product can still overflow the stack: count the levels themselves.
   */
  private evalDepth = 0;

  override expr(e: A.Expr, scope: Scope): Value {
    if (++this.evalDepth > EVAL_DEPTH_LIMIT) throw new LimitReached(diag("eval_too_deep", e.span, EVAL_DEPTH_LIMIT));
    try {
      return super.expr(e, scope);
    } finally {
      this.evalDepth--;
    }
  }

  /** Run the model's forward: inputs become graph inputs, unknown dims become batch symbols. */
  runModel(root: Instance): { outputs: { name: string; value: TensorVal }[] } {
    const fwd = root.forward;
    if (!fwd) {
      this.report(diag("no_forward", root.span, root.blockName));
      return { outputs: [] };
    }
    const scope = this.bodyScope(root);
    for (const p of fwd.inputs) {
      const pat = this.requirements ? openEllipsis(pattern(p.type, root.scope)) : pattern(p.type, root.scope);
      const shape = inputShape(pat);
      if (!shape) {
        this.report(diag("cannot_infer_dim", p.type.span, p.name.name, showPattern(pat)));
        continue;
      }
      for (const d of shape)
        for (const s of P.symbolsOf(d)) if (!this.graph.symbols.includes(s)) this.graph.symbols.push(s);
      for (const s of this.graph.symbols) if (!scope.has(s)) scope.set(s, { k: "dim", p: P.symbol(s) });
      const t = this.graph.input(p.name.name, this.dtypeOf(p.type), shape, p.span);
      scope.set(p.name.name, { k: "tensor", t });
    }
    this.frames.push({ inst: root, fwd });
    const result = this.body(fwd.body, scope) ?? this.missingReturn(root, fwd);
    this.frames.pop();
    const bound: Binding = { dims: new Map(this.graph.symbols.map((s) => [s, P.symbol(s)])) };
    return { outputs: this.checkOutputs(root, fwd, result, bound, fwd.span) };
  }

  private missingReturn(inst: Instance, fwd: A.ForwardDecl): Value {
    return this.report(diag("missing_return", fwd.span, inst.blockName));
  }

  private dtypeOf(t: A.ShapeType): DType {
    if (!t.dtype) return "f32";
    const d = dtypeNamed(t.dtype.name);
    if (!d) this.report(diag("unknown_name", t.dtype.span, "dtype", t.dtype.name));
    return d ?? "f32";
  }

  /** Names visible in a forward body: the instance's statics, then its members and parameters. */
  private bodyScope(inst: Instance): Scope {
    const scope = new Scope(inst.scope);
    for (const [name, m] of inst.members) scope.set(name, m ? { k: "module", inst: m } : { k: "none", member: name });
    return scope;
  }

  override name(e: A.NameExpr, scope: Scope): Value {
    if (!scope.has(e.name)) {
      const p = this.paramValue(e.name, e.span);
      if (p) return p;
      // parameters live beside the scope, so "did you mean" has to be offered them too
      const params = this.frames[this.frames.length - 1]?.inst.params.keys() ?? [];
      return this.report(
        withHint(diag("unknown_name", e.span, "name", e.name), didYouMean(e.name, [...scope.names(), ...params])),
      );
    }
    return super.name(e, scope);
  }

  override paramOf(inst: Instance, name: string, span: Span): Value | undefined {
    return this.paramValueOf(inst, name, span);
  }

  private paramValue(name: string, span: Span): Value | undefined {
    const inst = this.frames[this.frames.length - 1]?.inst;
    return inst && this.paramValueOf(inst, name, span);
  }

  private paramValueOf(inst: Instance, name: string, span: Span): Value | undefined {
    const p = inst.params.get(name);
    if (!p) return inst.members.get(name) === null ? { k: "none", member: name } : undefined;
    const shape = p.shape.map((d) => asPoly(d) ?? P.constant(0));
    return { k: "tensor", t: this.graph.param(p.key, p.dtype, shape, span) };
  }

  /** Execute statements; returns the returned value, or undefined when the body falls off the end. */
  private body(stmts: A.Stmt[], scope: Scope): Value | undefined {
    for (const s of stmts) {
      switch (s.kind) {
        case "Let": {
          const v = this.expr(s.value, scope);
          if (!s.destructure) {
            scope.set(s.names[0].name, v);
            break;
          }
          if (v.k === "error") {
            for (const n of s.names) scope.set(n.name, ERROR);
            break;
          }
          if (v.k !== "tuple") {
            this.report(diag("tuple_arity", s.value.span, s.names.length, 1));
            for (const n of s.names) scope.set(n.name, ERROR);
            break;
          }
          if (v.items.length !== s.names.length)
            this.report(diag("tuple_arity", s.value.span, s.names.length, v.items.length));
          s.names.forEach((n, i) => scope.set(n.name, v.items[i]?.value ?? ERROR));
          break;
        }
        case "Assign": {
          if (!s.name.name) {
            this.report(diag("invalid_assign_target", s.name.span));
            break;
          }
          const v = this.expr(s.value, scope);
          if (!scope.assign(s.name.name, v)) this.report(diag("unknown_name", s.name.span, "variable", s.name.name));
          break;
        }
        case "Return":
          return this.expr(s.value, scope);
        case "ExprStmt":
          this.expr(s.value, scope);
          break;
        case "If": {
          const c = this.expr(s.cond, scope);
          let taken: boolean;
          if (c.k === "bool") taken = c.v;
          else if (c.k === "module") taken = true;
          else if (c.k === "none") taken = false;
          else {
            if (c.k !== "error") this.report(diag("bad_condition", s.cond.span, kindName(c)));
            break;
          }
          const branch = taken ? s.then : s.else;
          if (branch) {
            const r = this.body(branch, scope);
            if (r) return r;
          }
          break;
        }
        case "For": {
          const v = this.expr(s.iterable, scope);
          if (v.k === "error") break;
          const items = itemsOf(v);
          if (!items) {
            this.report(diag("not_iterable", s.iterable.span, exprText(s.iterable), kindName(v)));
            break;
          }
          for (const [i, item] of items.entries()) {
            if (s.index) scope.set(s.index.name, int(i));
            scope.set(s.variable.name, item);
            const r = this.body(s.body, scope);
            if (r) return r;
          }
          break;
        }
      }
    }
    return undefined;
  }

  override callOther(e: A.CallExpr, scope: Scope, values?: Value[]): Value {
    const args: CallArg[] = e.args.map((a, i) => ({
      name: a.name?.name,
      nameSpan: a.name?.span,
      value: values?.[i] ?? this.expr(a.value, scope),
      span: a.span,
    }));
    if (e.callee.kind === "Name" && e.callee.name === SUPER && !scope.has(SUPER)) return this.callSuper(e, args);
    if (e.callee.kind === "Name" && !scope.has(e.callee.name) && !this.paramValue(e.callee.name, e.callee.span)) {
      return callBuiltin(e.callee.name, args, this.graph, e.span, this.diagnostics);
    }
    const callee = this.expr(e.callee, scope);
    if (callee.k === "error" || args.some((a) => a.value.k === "error")) return ERROR;
    if (callee.k === "none")
      return this.report(
        diag("not_callable", e.callee.span, callee.member, "removed optional member (guard it with `if`)"),
      );
    // a slice of a stack (`blocks[2:]`) is the list of its layers: called, it runs them in sequence
    if (callee.k === "list" && callee.items.every((v) => v.k === "module")) {
      const named = args.find((a) => a.name);
      if (named) return this.report(diag("unknown_keyword", named.span, named.name!, exprText(e.callee), []));
      return this.callLayers(
        exprText(e.callee),
        callee.items.map((v) => (v as { inst: Instance }).inst),
        args.map((a) => a.value),
        e.span,
      );
    }
    if (callee.k !== "module")
      return this.report(
        diag("not_callable", e.callee.span, e.callee.kind === "Name" ? e.callee.name : "expression", kindName(callee)),
      );
    const named = args.find((a) => a.name);
    if (named) return this.report(diag("unknown_keyword", named.span, named.name!, callee.inst.blockName, []));
    return this.callInstance(
      callee.inst,
      args.map((a) => a.value),
      e.span,
    );
  }

  /** Call a module instance: a block's forward, or a repeat/seq stack applied in sequence. */
  callInstance(inst: Instance, args: Value[], span: Span): Value {
    if (this.frames.length > MAX_DEPTH) return this.report(diag("recursive_block", span, [inst.blockName]));
    const saved = this.graph.scope;
    this.graph.scope = inst.path;
    const mark = this.diagnostics.length;
    try {
      const tensors = args.filter((a): a is { k: "tensor"; t: TensorVal } => a.k === "tensor").map((a) => a.t.id);
      let result: Value;
      if (inst.kind === "repeat" || inst.kind === "seq") result = this.callStack(inst, args, span);
      else if (inst.kind === "namespace") result = this.report(diag("not_callable", span, inst.path, "namespace"));
      else result = this.callBlock(inst, args, span);
      this.graph.calls.push({ scope: inst.path, inputs: tensors, outputs: outputsOf(result) });
      if (inst.kind === "block") this.provenance?.annotate(this.diagnostics, mark, inst, inst.span.file);
      return result;
    } finally {
      this.graph.scope = saved;
    }
  }

  private callStack(inst: Instance, args: Value[], span: Span): Value {
    const layers = inst.memberOrder.flatMap((name) => inst.members.get(name) ?? []);
    return this.callLayers(inst.path, layers, args, span);
  }

  /** Layers applied in sequence, each to the previous one's output: a stack, or a slice of one. */
  private callLayers(name: string, layers: Instance[], args: Value[], span: Span): Value {
    let x = args[0];
    if (args.length !== 1)
      return this.report(diag("repeat_not_sequential", span, name, `it takes one input, got ${args.length}`));
    for (const child of layers) {
      x = this.callInstance(child, [x], span);
      if (x.k === "tuple")
        return this.report(diag("repeat_not_sequential", span, name, `\`${child.path}\` returns several outputs`));
      if (x.k === "error") return x;
    }
    return x;
  }

  /**
   * `super(x)` in a derived block's forward: the forward of the block it extends, run on this instance (its
   * members, parameters and scope), so the IR holds the base's operations inline.
   */
  private callSuper(e: A.CallExpr, args: CallArg[]): Value {
    const frame = this.frames[this.frames.length - 1];
    const base = frame?.fwd && baseForward(frame.inst, frame.fwd);
    if (!frame || !base) return this.report(diag("no_base_forward", e.callee.span, frame?.inst.blockName ?? SUPER));
    if (args.some((a) => a.value.k === "error")) return ERROR;
    const named = args.find((a) => a.name);
    if (named) return this.report(diag("unknown_keyword", named.span, named.name!, SUPER, []));
    return this.callBlock(
      frame.inst,
      args.map((a) => a.value),
      e.span,
      base,
    );
  }

  private callBlock(inst: Instance, args: Value[], span: Span, fwd = inst.forward): Value {
    if (!fwd) return this.report(diag("no_forward", span, inst.blockName));
    if (args.length !== fwd.inputs.length) {
      return this.interfaceError(
        inst,
        span,
        diag("arity", span, inst.blockName, String(fwd.inputs.length), args.length),
        `it takes ${fwd.inputs.length} input${fwd.inputs.length === 1 ? "" : "s"}, the call passes ${args.length}`,
      );
    }
    const patterns = fwd.inputs.map((p) => pattern(p.type, inst.scope));
    const actual: P.Poly[][] = [];
    for (const [i, a] of args.entries()) {
      if (a.k !== "tensor")
        return this.report(
          diag("not_a_tensor", span, `input \`${fwd.inputs[i].name.name}\` of \`${inst.blockName}\``, kindName(a)),
        );
      const want = this.dtypeOf(fwd.inputs[i].type);
      if (fwd.inputs[i].type.dtype && a.t.dtype !== want && !(want === "i64" && a.t.dtype === "i32")) {
        return this.report(
          diag(
            "dtype_mismatch",
            span,
            `input \`${fwd.inputs[i].name.name}\` of \`${inst.blockName}\``,
            want,
            a.t.dtype,
          ),
        );
      }
      actual.push(a.t.shape);
    }
    const b = unify(patterns, actual);
    if ("why" in b) {
      const inputName = fwd.inputs[b.index].name.name;
      const d = diag(
        "shape_mismatch",
        span,
        `input \`${inputName}\` of \`${inst.blockName}\``,
        showPattern(patterns[b.index]),
        showShape(actual[b.index]),
      );
      if (involvesOpaque([patterns[b.index], actual[b.index]])) d.pending = true;
      return this.interfaceError(inst, span, d, `input \`${inputName}\` ${b.why}`);
    }
    const scope = this.bodyScope(inst);
    for (const [name, p] of b.dims) if (!scope.has(name)) scope.set(name, dimValue(p));
    fwd.inputs.forEach((p, i) => scope.set(p.name.name, args[i]));
    this.frames.push({ inst, fwd });
    const result = this.body(fwd.body, scope) ?? this.missingReturn(inst, fwd);
    this.frames.pop();
    const outs = this.checkOutputs(inst, fwd, result, b, span);
    if (!fwd.tupleOutputs) return outs[0] ? { k: "tensor", t: outs[0].value } : ERROR;
    return outs.length === fwd.outputs.length
      ? { k: "tuple", items: outs.map((o) => ({ name: o.name, value: { k: "tensor", t: o.value } })) }
      : ERROR;
  }

  private interfaceError(inst: Instance, span: Span, plain: Diagnostic, why: string): Value {
    if (!inst.replaced) return this.report(plain);
    return this.report(
      withNote(diag("incompatible_replace", inst.replaced.span, inst.path, inst.replaced.by, why), "used here", span),
    );
  }

  /** Returned values must match the declared outputs (names, count, shapes, after binding). */
  private checkOutputs(
    inst: Instance,
    fwd: A.ForwardDecl,
    result: Value,
    b: Binding,
    span: Span,
  ): { name: string; value: TensorVal }[] {
    if (result.k === "error") return [];
    const items: { name: string; value: Value; span: Span }[] = [];
    if (fwd.tupleOutputs) {
      if (result.k !== "tuple") {
        this.report(diag("tuple_arity", fwd.span, fwd.outputs.length, 1));
        return [];
      }
      for (const o of fwd.outputs) {
        const got = result.items.find((i) => i.name === o.name?.name);
        if (!got) this.report(diag("missing_output", o.type.span, o.name?.name ?? "?"));
        else items.push({ name: got.name, value: got.value, span: o.type.span });
      }
      for (const i of result.items)
        if (!fwd.outputs.some((o) => o.name?.name === i.name)) this.report(diag("extra_output", fwd.span, i.name));
    } else items.push({ name: "out", value: result, span: fwd.outputs[0]?.type.span ?? fwd.span });
    const out: { name: string; value: TensorVal }[] = [];
    let binding = b;
    for (const it of items) {
      const decl = fwd.tupleOutputs ? fwd.outputs.find((o) => o.name?.name === it.name)! : fwd.outputs[0];
      if (it.value.k !== "tensor") {
        if (it.value.k !== "error")
          this.report(diag("not_a_tensor", it.span, `output \`${it.name}\``, kindName(it.value)));
        continue;
      }
      if (decl) {
        const bodyDims = new Scope(inst.scope);
        for (const [name, d] of binding.dims) if (!bodyDims.has(name)) bodyDims.set(name, dimValue(d));
        const pat = pattern(decl.type, bodyDims);
        const u = unify([pat], [it.value.t.shape], binding);
        if ("why" in u) {
          const d = diag("return_mismatch", decl.type.span, it.name, showPattern(pat), showShape(it.value.t.shape));
          if (involvesOpaque([pat, it.value.t.shape])) d.pending = true;
          if (inst.replaced) this.interfaceError(inst, span, d, `output \`${it.name}\` ${u.why}`);
          else this.report(d);
          continue;
        }
        binding = u;
      }
      out.push({ name: it.name, value: it.value.t });
    }
    return out;
  }

  override tensorBinary(op: A.BinaryOp, a: Value, b: Value, span: Span): Value {
    if (op === "@") {
      if (a.k !== "tensor" || b.k !== "tensor")
        return this.report(diag("bad_operand", span, "`@`", `${kindName(a)} and ${kindName(b)}`));
      return wrap(this.graph.op("matmul", [a.t, b.t], {}, span));
    }
    const name = arith[op];
    if (!name) return this.report(withHint(diag("bad_operand", span, `\`${op}\``, "tensors"), comparisonHint[op]));
    const ta = this.toTensor(a, b, span);
    const tb = this.toTensor(b, a, span);
    if (!ta || !tb) return this.report(diag("bad_operand", span, `\`${op}\``, `${kindName(a)} and ${kindName(b)}`));
    return wrap(this.graph.op(name, [ta, tb], {}, span));
  }

  /** Numbers next to a tensor become scalar constants of its dtype. */
  private toTensor(v: Value, other: Value, span: Span): TensorVal | undefined {
    if (v.k === "tensor") return v.t;
    const dtype = other.k === "tensor" ? other.t.dtype : "f32";
    if (v.k === "num") return this.graph.constant(v.v, dtype, span);
    const p = asPoly(v);
    const c = p && P.asConstant(p);
    return c !== undefined ? this.graph.constant(c, dtype, span) : undefined;
  }

  override tensorIndex(tv: Value, e: A.IndexExpr, scope: Scope): Value {
    return tv.k === "tensor" ? indexTensor(tv.t, e, (x) => this.expr(x, scope), this.graph, this.diagnostics) : ERROR;
  }
}

/** Comparisons of tensors are builtins (bool masks for `where`); the operators compare hyperparameters. */
const comparisonHint: Partial<Record<A.BinaryOp, string>> = {
  ">": "compare tensors with `greater(a, b)` (a bool mask, e.g. for `where(mask, x, -1e9)`)",
  "<": "compare tensors with `greater(b, a)` (a bool mask, e.g. for `where(mask, x, -1e9)`)",
  "==": "compare tensors with `equal(a, b)` (a bool mask, e.g. for `where(mask, x, -1e9)`)",
};

/** Generically, a block's `...` stands for one opaque dimension (its rank is not known either). */
function openEllipsis(p: Pattern): Pattern {
  if (!p.ellipsis) return p;
  const dim = { poly: P.symbol(opaque("...")), expr: p.before[0]?.expr ?? p.after[0]?.expr };
  return { before: [...p.before, dim as PatternDim], ellipsis: false, after: p.after };
}

/** A callee as the user wrote it, for messages: `blocks[2:]`, `visual.blocks`. */
function exprText(e: A.Expr): string {
  if (e.kind === "Name") return e.name;
  if (e.kind === "Member") return `${exprText(e.target)}.${e.name.name}`;
  if (e.kind === "Index")
    return `${exprText(e.target)}[${e.items.map((i) => `${i.start ? exprText(i.start) : ""}${i.slice ? ":" : ""}${i.end ? exprText(i.end) : ""}`).join(", ")}]`;
  if (e.kind === "Number") return e.text;
  if (e.kind === "Unary") return `${e.op}${exprText(e.operand)}`;
  if (e.kind === "Binary") return `${exprText(e.left)} ${e.op} ${exprText(e.right)}`;
  return "expression";
}

function wrap(t: TensorVal | undefined): Value {
  return t ? { k: "tensor", t } : ERROR;
}

function outputsOf(v: Value): { name: string; value: number }[] {
  if (v.k === "tensor") return [{ name: "out", value: v.t.id }];
  if (v.k === "tuple")
    return v.items.flatMap((i) => (i.value.k === "tensor" ? [{ name: i.name, value: i.value.t.id }] : []));
  return [];
}

export { builtinNames };
