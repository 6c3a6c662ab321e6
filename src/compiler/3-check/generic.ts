/**
 * Every block checked on its own, as a type checker checks a function nobody calls: its whole-number
 * hyperparameters without a default are symbols, its inputs take their declared shapes (unknown names
 * become symbols), and its members and forward are checked as for a model. Names, arities, dtypes and
 * the shapes that follow symbolically are reported; what depends on concrete values (a quotient that
 * must be whole, a comparison) is left to instantiation, and a quotient's divisibility is a requirement.
 */
import type * as A from "../1-syntax/ast.ts";
import type { Definition, Program } from "../2-resolve/program.ts";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";
import * as P from "../0-core/dim.ts";
import { Budget, DEFAULT_LIMITS, LimitReached, type Limits } from "../limits.ts";
import type { Span } from "../source.ts";
import { Elaborator } from "./elaborate.ts";
import { ForwardChecker } from "./forward.ts";
import { blockView } from "../2-resolve/derive.ts";
import { coerce } from "./hyper.ts";
import type { ModelConfig } from "./model-config.ts";
import { ERROR, Scope, type Value } from "./values.ts";

export interface GenericResult {
  diagnostics: Diagnostic[];
  /** Per block: the divisions its shapes need to be whole (`d / heads`), for instantiation to meet. */
  requirements: Map<string, string[]>;
}

/** Check the blocks of `file` that `used` does not name (the model's instances check those). */
export function checkBlocksGenerically(
  program: Program,
  file: string,
  used: ReadonlySet<A.BlockDecl>,
  limits: Limits = DEFAULT_LIMITS,
): GenericResult {
  const out: GenericResult = { diagnostics: [], requirements: new Map() };
  const decls = program.files.get(file)?.ast.decls ?? [];
  const scope = program.scopes.get(file);
  for (const decl of decls) {
    if (decl.kind !== "Block" || used.has(decl)) continue;
    const def = scope?.get(decl.name.name);
    // a duplicate definition (reported by resolve) is not the one in scope: check only that one
    if (!def || def.decl !== decl) continue;
    const requirements: string[] = [];
    out.diagnostics.push(...checkBlock(program, def, requirements, limits));
    if (requirements.length) out.requirements.set(def.name, requirements);
  }
  return out;
}

function checkBlock(program: Program, def: Definition, requirements: string[], limits: Limits): Diagnostic[] {
  const decl = def.decl as A.BlockDecl;
  const scratch: Diagnostic[] = [];
  const budget = new Budget(limits);
  const checker = new ForwardChecker(scratch, budget);
  checker.requirements = requirements;
  const cfg: ModelConfig = { def, chain: [], params: [], members: [], presets: new Map(), edits: [], sets: [], lr: [] };
  try {
    const elab = new Elaborator(program, cfg, new Scope(), scratch, undefined, budget, requirements);
    const inst = elab.generic(
      def,
      hyperScope(
        { ...decl, params: blockView(program, def as Definition & { decl: A.BlockDecl }).params },
        elab,
        scratch,
      ),
    );
    if (inst.forward) checker.runModel(inst);
  } catch (e) {
    // a block too large to check on its own is checked where it is instantiated
    if (!(e instanceof LimitReached)) throw e;
  }
  return scratch.filter((d) => reportable(d, decl.span));
}

/** Hyperparameters: a default is evaluated (symbolically), a whole number without one is a symbol. */
function hyperScope(decl: A.BlockDecl, elab: Elaborator, out: Diagnostic[]): Scope {
  const scope = new Scope();
  for (const hp of decl.params) {
    const name = hp.name.name;
    let v: Value;
    if (hp.default)
      v = coerce(elab.evaluate(hp.default, scope), hp.type, `\`${name}\` of \`${decl.name.name}\``, hp.span, out);
    else if (hp.type.name === "int" && !hp.type.options) v = { k: "dim", p: P.symbol(name) };
    else if (hp.type.name === "bool") v = { k: "bool", v: true };
    else if (hp.type.options?.length) v = { k: "str", v: hp.type.options[0] };
    else v = ERROR;
    scope.set(name, v);
  }
  return scope;
}

/**
 * What the generic check may report: only mistakes located in this block (another block's are reported
 * by its own check or its instances) and none pending on concrete sizes (an opaque quotient, a `...` left
 * open, a rule such as conv's spatial output that needs numbers).
 */
function reportable(d: Diagnostic, block: Span): boolean {
  if (d.pending) return false;
  if (!d.span) return true;
  return d.span.file === block.file && d.span.start >= block.start && d.span.end <= block.end;
}
