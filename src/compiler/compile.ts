/** Chains the phases: parse and resolve, bind from weights, check, build the IR, verify it. */
import type * as A from "./1-syntax/ast.ts";
import { parseSource } from "./1-syntax/parse.ts";
import type { Host } from "./2-resolve/host.ts";
import { COMMAND_LINE, resolveImports, type Definition, type Program } from "./2-resolve/program.ts";
import { checkNames } from "./2-resolve/names.ts";
import { bindFromShapes } from "./3-check/bind.ts";
import type { InputShapes } from "./3-check/bind-inputs.ts";
import { Elaborator } from "./3-check/elaborate.ts";
import { ForwardChecker } from "./3-check/forward.ts";
import { modelConfig, resolveHyper, type HyperRequest, type ModelConfig } from "./3-check/model-config.ts";
import { diag, hasErrors, withNote, type Diagnostic } from "./diagnostics/diagnostic.ts";
import { Budget, checkTensorSizes, DEFAULT_LIMITS, LimitReached, type Limits } from "./limits.ts";
import { buildIr } from "./4-ir/build.ts";
import { applyRecompute } from "./4-ir/recompute.ts";
import type { ModelIR } from "./0-core/schema.ts";
import type { Span } from "./source.ts";
import { verifyIr } from "./4-ir/verify.ts";
import { attachTrain } from "./4-ir/select.ts";
import { checkBlocksGenerically } from "./3-check/generic.ts";
import type { Instance } from "./3-check/values.ts";
import { unique } from "./diagnostics/unique.ts";
import { Provenance, rootSources } from "./3-check/provenance.ts";
import { failedDecls } from "./2-resolve/failed.ts";

export { COMMAND_LINE };

export interface CompileOptions {
  /** Which model of the file; the first one defined in it by default. */
  model?: string;
  preset?: string;
  set?: [string, string][];
  replace?: [string, string][];
  remove?: string[];
  /** Tensor shapes of a checkpoint, to bind free hyperparameters from. */
  weights?: { file: string; shapes: Map<string, number[]> };
  /** Shapes of the input tensors by input name, to bind free hyperparameters from (after the checkpoint's). */
  inputs?: InputShapes;
  /** Module paths or patterns (`a.b.*`) to recompute in the backward pass (--recompute). */
  recompute?: string[];
  /** The entry file's text, when the host should not be asked for it (editors, tests). */
  text?: string;
  /** Raised size limits (--max-instances, ...); src/compiler/limits.ts has the defaults. */
  limits?: Partial<Limits>;
  /**
   * Re-check the built IR against its schema and shape rules (default on). It catches compiler bugs,
   * never user mistakes, and costs a tenth of a compile: an editor recompiling per keystroke skips it.
   */
  verify?: boolean;
  /**
   * When the forward has type or shape errors, still build the IR of what did check and return it as
   * `partial` (never as `value`): the language server shows inlay shapes and hover for those parts.
   */
  partial?: boolean;
}

export interface Compiled {
  value?: ModelIR;
  diagnostics: Diagnostic[];
  program: Program;
  /** The command-line snippets parsed as sources, for rendering their diagnostics. */
  extraSources: Map<string, string>;
  /** With `partial`: the IR of a forward that has errors (its broken values have no node). */
  partial?: ModelIR;
}

/** Phases 1-2 only: syntax, imports and names. Enough for a file of blocks without a model. */
export function resolveProgram(
  entry: string,
  host: Host,
  text?: string,
  limits: Partial<Limits> = {},
): { value: Program; diagnostics: Diagnostic[] } {
  const { value, diagnostics } = resolveImports(entry, host, text, limits.sourceBytes ?? DEFAULT_LIMITS.sourceBytes);
  // After a syntax error the tree has holes (a dropped import, a lost token); checking it would
  // report names and statements that are fine in the text, so stop with the syntax errors.
  if (!diagnostics.some((d) => d.code.startsWith("MDL1"))) for (const d of checkNames(value)) diagnostics.push(d);
  return { value, diagnostics };
}

export function compile(entry: string, host: Host, opts: CompileOptions = {}): Compiled {
  const extraSources = new Map<string, string>();
  const { value: program, diagnostics } = resolveProgram(entry, host, opts.text, opts.limits);
  if (diagnostics.some((d) => d.code.startsWith("MDL1"))) return { diagnostics, program, extraSources };
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  // a block that failed to resolve hides no other block's mistakes: the others are checked on their own
  const failed = hasErrors(diagnostics) ? failedDecls(program, diagnostics) : new Set<A.BlockDecl>();
  const blocksOnly = opts.model === undefined && !modelsOf(program).length;
  // a file of blocks only: each block on its own (a model's blocks are checked below, as instances)
  if (blocksOnly || hasErrors(diagnostics)) diagnostics.push(...checkBlocks(program, failed, limits));
  const def = pickModel(program, opts.model, diagnostics);
  if (!def) return { diagnostics: unique(diagnostics), program, extraSources };

  const cfg = modelConfig(program, def, diagnostics);
  const cli = commandLine(opts, program.entry, extraSources, diagnostics);
  cfg.edits.push(...cli.edits);
  const req = { preset: opts.preset, cli: cli.sets };
  if (hasErrors(diagnostics)) return { diagnostics, program, extraSources };

  let checked;
  const elaborated: { used?: Set<A.BlockDecl> } = {};
  try {
    checked = check(program, cfg, req, opts, limits, diagnostics, elaborated);
  } catch (e) {
    if (!(e instanceof LimitReached)) throw e;
    // a hyperparameter from the command line is the likely cause of an oversized model: show it
    diagnostics.push(
      cli.sets.reduce((d, s) => withNote(d, `\`${s.name}\` is set on the command line`, s.value.span), e.diagnostic),
    );
    return { diagnostics, program, extraSources };
  }
  // the blocks the model does not instantiate are checked on their own, once elaboration said which
  if (elaborated.used) diagnostics.push(...checkBlocks(program, elaborated.used, limits));
  if (!checked) return { diagnostics: unique(diagnostics), program, extraSources };
  const { info, root, graph, outputs } = checked;
  const build = () =>
    buildIr({ model: def.name, file: program.entry, preset: opts.preset, hyper: info, root, graph, outputs });
  if (hasErrors(diagnostics))
    return { diagnostics: unique(diagnostics), program, extraSources, partial: partialIr(build) };

  const built = build();
  diagnostics.push(...built.diagnostics, ...checkTensorSizes(built.value, limits));
  diagnostics.push(...applyRecompute(built.value, opts.recompute ?? [], program.entry));
  diagnostics.push(...attachTrain(built.value, cfg));
  const verified = opts.verify === false ? { value: built.value, diagnostics: [] } : verifyIr(built.value);
  diagnostics.push(...verified.diagnostics);
  return {
    value: hasErrors(diagnostics) ? undefined : verified.value,
    diagnostics: unique(diagnostics),
    program,
    extraSources,
  };
}

/** Phase 3 for blocks no model instantiates: each checked generically (3-check/generic.ts). */
export function checkBlocks(
  program: Program,
  used: ReadonlySet<A.BlockDecl>,
  limits: Limits = DEFAULT_LIMITS,
): Diagnostic[] {
  return checkBlocksGenerically(program, program.entry, used, limits).diagnostics;
}

/** Phase 3: bind from weights, elaborate, run the forward symbolically; throws LimitReached past a limit. */
function check(
  program: Program,
  cfg: ModelConfig,
  req: HyperRequest,
  opts: CompileOptions,
  limits: Limits,
  diagnostics: Diagnostic[],
  elaborated: { used?: Set<A.BlockDecl> },
) {
  let bound;
  if (opts.weights || opts.inputs) {
    const b = bindFromShapes(
      program,
      cfg,
      req,
      opts.weights?.shapes ?? new Map(),
      opts.weights?.file ?? "",
      new Budget(limits),
      opts.inputs,
    );
    diagnostics.push(...b.diagnostics);
    bound = b.value;
    for (const e of cfg.edits) e.used = false;
  }
  const budget = new Budget(limits);
  const checker = new ForwardChecker(diagnostics, budget);
  const { scope, info } = resolveHyper(cfg, { ...req, bound }, checker, diagnostics);
  const elaborator = new Elaborator(program, cfg, scope, diagnostics, undefined, budget);
  elaborator.provenance = checker.provenance = new Provenance(scope, rootSources(info, bound));
  const root = elaborator.root();
  elaborated.used = usedBlocks(root, new Set());
  if (hasErrors(diagnostics)) return undefined;
  const { outputs } = checker.runModel(root);
  if (hasErrors(diagnostics) && !opts.partial) return undefined;
  return { info, root, graph: checker.graph, outputs };
}

/** The block declarations an instance tree instantiates (the model's own declaration is not a block). */
function usedBlocks(inst: Instance, out: Set<A.BlockDecl>): Set<A.BlockDecl> {
  if (inst.def?.decl.kind === "Block") out.add(inst.def.decl);
  for (const m of inst.members.values()) if (m) usedBlocks(m, out);
  return out;
}

/** The IR of a forward with errors, for an editor; it may not build (then the editor shows no shapes). */
function partialIr(build: () => { value: ModelIR }): ModelIR | undefined {
  try {
    return build().value;
  } catch {
    return undefined;
  }
}

export function modelsOf(program: Program): Definition[] {
  const file = program.files.get(program.entry);
  // A model whose name a duplicate definition took (reported by resolve) is not in scope: skip it, or a
  // block would be configured as a model (fuzz mdl:3274 crashed so).
  return (file?.ast.decls ?? [])
    .filter((d) => d.kind === "Model")
    .map((d) => program.scopes.get(program.entry)!.get(d.name.name)!)
    .filter((def) => def?.decl.kind === "Model");
}

function pickModel(program: Program, name: string | undefined, out: Diagnostic[]): Definition | undefined {
  const models = modelsOf(program);
  if (name === undefined) {
    if (!models.length && !hasErrors(out)) out.push(diag("no_model", program.entry, program.entry));
    return models[0];
  }
  const d = program.scopes.get(program.entry)?.get(name);
  if (!d || d.decl.kind !== "Model") {
    out.push(diag("unknown_model", program.entry, name));
    return undefined;
  }
  return d;
}

/** --set and --replace values are parsed as mdl source, so they get the same checks and messages. */
function commandLine(opts: CompileOptions, entry: string, sources: Map<string, string>, out: Diagnostic[]) {
  const edits: import("./3-check/model-config.ts").Edit[] = [];
  const sets: { name: string; value: A.Expr; span: Span }[] = [];
  const snippet = (body: string): A.ModelDecl | undefined => {
    const text = `model CommandLine { ${body} }`;
    sources.set(COMMAND_LINE, text);
    const parsed = parseSource(COMMAND_LINE, text);
    out.push(...parsed.diagnostics);
    const m = parsed.value.decls[0];
    return parsed.diagnostics.length === 0 && m?.kind === "Model" ? m : undefined;
  };
  for (const [k, v] of opts.set ?? []) {
    const m = snippet(`set ${k} = ${v}`);
    const e = m?.edits[0];
    // located at the name: an unknown hyperparameter's caret points at what is misspelt
    if (e?.kind === "Set" && e.assignments[0])
      sets.push({ name: e.assignments[0].name.name, value: e.assignments[0].value, span: e.assignments[0].name.span });
  }
  for (const [k, v] of opts.replace ?? []) {
    const m = snippet(`replace ${k} = ${/\(/.test(v) ? v : `${v}()`}`);
    const e = m?.edits[0];
    if (e?.kind === "Replace")
      edits.push({ kind: "replace", path: k, span: e.span, module: e.module, file: COMMAND_LINE, used: false });
  }
  for (const k of opts.remove ?? []) {
    const m = snippet(`remove ${k}`);
    const e = m?.edits[0];
    if (e?.kind === "Remove") edits.push({ kind: "remove", path: k, span: e.span, file: COMMAND_LINE, used: false });
  }
  return { sets, edits };
}
