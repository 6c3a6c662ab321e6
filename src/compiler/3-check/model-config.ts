/**
 * The model's effective definition: its `extends` chain merged (members, presets, edits), and its
 * hyperparameters resolved from defaults, presets, variant `set`s, the command line and a checkpoint.
 */
import type * as A from "../1-syntax/ast.ts";
import type { Definition, Program } from "../2-resolve/program.ts";
import { memberKey } from "../2-resolve/derive.ts";
import { didYouMean } from "../2-resolve/suggest.ts";
import { diag, withHint, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { HyperSource } from "../0-core/schema.ts";
import { patternProblem } from "../paths/pattern.ts";
import type { Span } from "../source.ts";
import { Evaluator } from "./evaluate.ts";
import { coerce, typeText } from "./hyper.ts";
import { Scope, type HyperInfo, type Value } from "./values.ts";

export { memberKey };

export interface Edit {
  kind: "replace" | "remove";
  path: string;
  span: Span;
  module?: A.ModuleExpr;
  /** The file whose names the replacement block is looked up in. */
  file: string;
  used: boolean;
}

export interface ModelConfig {
  def: Definition;
  chain: Definition[];
  params: { decl: A.HyperParam; file: string }[];
  members: { member: A.Member; file: string }[];
  forward?: A.ForwardDecl;
  presets: Map<string, { decl: A.PresetDecl; file: string }>;
  edits: Edit[];
  sets: { name: A.Ident; value: A.Expr; model: string }[];
  /** Learning-rate groups of the `train` sections, base model's first (a later one wins where they overlap). */
  lr: { pattern: string; scale: number; span: Span; inherited: boolean }[];
}

export function modelChain(program: Program, def: Definition, out: Diagnostic[]): Definition[] {
  const chain: Definition[] = [def];
  let cur = def;
  while (cur.decl.kind === "Model" && cur.decl.base) {
    const baseName = cur.decl.base;
    const base = program.scopes.get(cur.file)?.get(baseName.name);
    if (!base || base.decl.kind !== "Model") {
      out.push(
        withHint(
          diag("unknown_model", baseName.span, baseName.name),
          didYouMean(baseName.name, [...(program.scopes.get(cur.file)?.keys() ?? [])]),
        ),
      );
      break;
    }
    if (chain.some((c) => c.decl === base.decl)) {
      // the chain is kept base-first; the message reads in `extends` order, from the model asked for
      out.push(diag("extends_cycle", baseName.span, [...chain.map((c) => c.name).reverse(), base.name]));
      break;
    }
    chain.unshift(base);
    cur = base;
  }
  return chain;
}

export function modelConfig(program: Program, def: Definition, out: Diagnostic[]): ModelConfig {
  const chain = modelChain(program, def, out);
  const cfg: ModelConfig = { def, chain, params: [], members: [], presets: new Map(), edits: [], sets: [], lr: [] };
  for (const link of chain) {
    const m = link.decl as A.ModelDecl;
    for (const p of m.params) {
      const i = cfg.params.findIndex((q) => q.decl.name.name === p.name.name);
      if (i >= 0) cfg.params[i] = { decl: p, file: link.file };
      else cfg.params.push({ decl: p, file: link.file });
    }
    for (const mem of m.members) {
      if (mem.kind === "Forward") {
        cfg.forward = mem;
        continue;
      }
      const key = memberKey(mem);
      const i = cfg.members.findIndex((x) => memberKey(x.member) === key);
      if (i >= 0) cfg.members[i] = { member: mem, file: link.file };
      else cfg.members.push({ member: mem, file: link.file });
    }
    for (const p of m.presets) {
      if (
        cfg.presets.has(p.name) &&
        cfg.presets.get(p.name)!.decl !== p &&
        m.presets.filter((q) => q.name === p.name).length > 1
      ) {
        out.push(diag("duplicate_preset", p.nameSpan, p.name));
      }
      cfg.presets.set(p.name, { decl: p, file: link.file });
    }
    for (const t of m.train ?? []) trainSection(t, cfg, link.decl !== def.decl, out);
    for (const e of m.edits) {
      if (e.kind === "Set")
        for (const a of e.assignments) cfg.sets.push({ name: a.name, value: a.value, model: link.name });
      else
        cfg.edits.push({
          kind: e.kind === "Replace" ? "replace" : "remove",
          path: e.path.map((p) => p.name).join("."),
          span: e.span,
          module: e.kind === "Replace" ? e.module : undefined,
          file: link.file,
          used: false,
        });
    }
  }
  return cfg;
}

/** A `train` section's groups; its words are names in the grammar, so they are checked here. */
function trainSection(t: A.TrainDecl, cfg: ModelConfig, inherited: boolean, out: Diagnostic[]): void {
  if (t.keyword.name !== "train")
    return void out.push(
      diag(
        "unknown_train_word",
        t.keyword.span,
        `\`${t.keyword.name}\``,
        "a member, `preset`, `set`, `replace`, `remove` or `train`",
      ),
    );
  for (const r of t.rules) {
    const scaleOk = r.scale > 0 && Number.isFinite(r.scale);
    if (r.key.name !== "lr") out.push(diag("unknown_train_word", r.key.span, `\`${r.key.name}\``, "`lr`"));
    else if (!scaleOk) out.push(diag("lr_scale_invalid", r.span, r.scaleText));
    for (const p of r.patterns) {
      const why = patternProblem(p.value);
      if (why) out.push(diag("bad_path_pattern", p.span, "train lr", p.value, why));
      else if (scaleOk && r.key.name === "lr")
        cfg.lr.push({ pattern: p.value, scale: r.scale, span: p.span, inherited });
    }
  }
}

export interface HyperRequest {
  preset?: string;
  /** --set values, already parsed as expressions. */
  cli: { name: string; value: A.Expr; span?: Span }[];
  /** Values bound from a checkpoint, for hyperparameters nothing else set. */
  bound?: Map<
    string,
    { value: number; origin: string; source?: "checkpoint" | "input"; key?: string; found?: number[] }
  >;
  /** Binding mode: whole-number hyperparameters become symbols. */
  symbolic?: boolean;
}

/** Resolve every model hyperparameter; returns the model scope and where each value came from. */
export function resolveHyper(
  cfg: ModelConfig,
  req: HyperRequest,
  ev: Evaluator,
  out: Diagnostic[],
): { scope: Scope; info: HyperInfo[] } {
  const names = cfg.params.map((p) => p.decl.name.name);
  const modelName = cfg.def.name;
  const explicit = new Map<string, { expr: A.Expr; source: HyperSource; origin: string; span: Span }>();

  // presets (following `extends`), then variant `set`s, then the command line: later wins
  if (req.preset !== undefined) {
    const seen: string[] = [];
    const apply = (name: string, span: Span | undefined): void => {
      const p = cfg.presets.get(name);
      if (!p) {
        out.push(
          withHint(
            diag("unknown_preset", span ?? cfg.def.file, name, modelName, [...cfg.presets.keys()]),
            didYouMean(name, cfg.presets.keys()),
          ),
        );
        return;
      }
      if (seen.includes(name)) return;
      seen.push(name);
      if (p.decl.base) apply(p.decl.base.name, p.decl.base.span);
      for (const a of p.decl.assignments)
        explicit.set(a.name.name, { expr: a.value, source: "preset", origin: req.preset!, span: a.name.span });
    };
    apply(req.preset, undefined);
  }
  for (const s of cfg.sets)
    explicit.set(s.name.name, { expr: s.value, source: "variant", origin: s.model, span: s.name.span });
  for (const c of req.cli)
    explicit.set(c.name, { expr: c.value, source: "cli", origin: "--set", span: c.span ?? c.value.span });
  for (const [name, e] of explicit) {
    if (!names.includes(name))
      out.push(withHint(diag("unknown_hyperparameter", e.span, name, modelName), didYouMean(name, names)));
  }

  const scope = new Scope();
  const info: HyperInfo[] = [];
  for (const { decl } of cfg.params) {
    const name = decl.name.name;
    const e = explicit.get(name);
    let value: Value;
    let source: HyperSource;
    let origin: string | undefined;
    const bound = req.bound?.get(name);
    if (e) {
      value = ev.expr(e.expr, scope);
      source = e.source;
      origin = e.origin;
    } else if (bound) {
      value = { k: "num", v: bound.value, int: true };
      source = bound.source ?? "checkpoint";
      origin = bound.origin;
    } else if (decl.default) {
      value = ev.expr(decl.default, scope);
      source = "default";
    } else {
      out.push(diag("unbound_hyperparameter", decl.name.span, name, modelName));
      value = { k: "error" };
      source = "default";
    }
    value = coerce(value, decl.type, `\`${name}\``, e?.span ?? decl.default?.span ?? decl.span, out);
    // every whole-number hyperparameter becomes a symbol; the solver knows which ones were given
    if (req.symbolic && decl.type.name === "int" && !decl.type.options && value.k === "num") {
      value = { k: "sym", e: { op: "var", name }, fallback: value.v };
    }
    scope.set(name, value);
    info.push({ name, type: typeText(decl.type), value, source, ...(origin ? { origin } : {}) });
  }
  return { scope, info };
}
