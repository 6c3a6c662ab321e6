/**
 * Where an instance's values came from: an error raised while elaborating one instance
 * names its path and the root hyperparameters its arguments were computed from, with their sources when
 * they were not defaults ("bound from the checkpoint's `visual.conv1.weight` shape [...]", "--set", a preset).
 * Kept small: per scope, the root hyperparameter names each of its names depends on.
 */
import type * as A from "../1-syntax/ast.ts";
import { withNote, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { HyperRequest } from "./model-config.ts";
import { show, type HyperInfo, type Instance, type Scope } from "./values.ts";

/** A root hyperparameter's value and, when it was not its default, the sentence that says where it came from. */
export type RootSources = Map<string, string | undefined>;

export class Provenance {
  private readonly deps = new WeakMap<Scope, Map<string, Set<string>>>();
  private readonly annotated = new WeakSet<Diagnostic>();

  constructor(
    root: Scope,
    private readonly sources: RootSources,
  ) {
    this.deps.set(root, new Map([...sources.keys()].map((n) => [n, new Set([n])])));
  }

  /** Record that `name` in `scope` was computed from `expr` evaluated in `from`. */
  bind(scope: Scope, name: string, expr: A.Expr | undefined, from: Scope): void {
    const roots = expr ? this.rootsOf(expr, from) : new Set<string>();
    const own = this.deps.get(scope) ?? new Map<string, Set<string>>();
    own.set(name, roots);
    this.deps.set(scope, own);
  }

  /** The root hyperparameters the names of `expr` depend on, looked up through the scope chain. */
  rootsOf(expr: A.Expr, scope: Scope): Set<string> {
    const out = new Set<string>();
    for (const name of namesIn(expr)) {
      for (let s: Scope | undefined = scope; s; s = s.parent) {
        if (!s.hasOwn(name)) continue;
        for (const r of this.deps.get(s)?.get(name) ?? []) out.add(r);
        break;
      }
    }
    return out;
  }

  /**
   * Errors pushed since `mark` while elaborating `inst` (called from `callFile`) get notes naming the
   * instance and the sources of its root hyperparameters, when the error lies in another file than the
   * call or a root value came from a checkpoint, the command line, a preset or a variant. The innermost
   * instance annotates first; its parents leave those errors alone.
   */
  annotate(ds: Diagnostic[], mark: number, inst: Instance, callFile: string): void {
    const roots = [...(this.deps.get(inst.scope) ? this.instanceRoots(inst) : [])].sort();
    const sourced = roots.filter((r) => this.sources.get(r) !== undefined);
    for (let i = mark; i < ds.length; i++) {
      const d = ds[i];
      if (d.severity !== "error" || this.annotated.has(d) || (d.file === callFile && !sourced.length)) continue;
      let out = withNote(d, `in instance \`${inst.path}\` (${inst.blockName})`, inst.span);
      for (const r of sourced) out = withNote(out, this.sources.get(r)!);
      this.annotated.add(out);
      ds[i] = out;
    }
  }

  private instanceRoots(inst: Instance): Set<string> {
    const out = new Set<string>();
    for (const set of this.deps.get(inst.scope)?.values() ?? []) for (const r of set) out.add(r);
    return out;
  }
}

function namesIn(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) namesIn(n, out);
  else if (node && typeof node === "object") {
    const o = node as { kind?: string; name?: unknown; span?: unknown };
    if (o.kind === "Name" && typeof o.name === "string") out.add(o.name);
    else for (const [k, v] of Object.entries(o)) if (k !== "span") namesIn(v, out);
  }
  return out;
}

/** The sentence for each root hyperparameter that was not its default. */
export function rootSources(info: readonly HyperInfo[], bound?: HyperRequest["bound"]): RootSources {
  const out: RootSources = new Map();
  for (const h of info) {
    const v = `\`${h.name}\` = ${show(h.value)}`;
    const b = bound?.get(h.name);
    switch (h.source) {
      case "checkpoint":
        // a repeat count is bound from the number of layers under a prefix (bind.ts keys it `prefix.*`)
        if (b?.key?.endsWith("*"))
          out.set(h.name, `${v} was bound from the checkpoint's ${b.found?.[0]} layers \`${b.key}\``);
        else
          out.set(
            h.name,
            b?.key
              ? `${v} was bound from the checkpoint's \`${b.key}\` shape [${b.found?.join(", ")}]`
              : `${v} was bound from the checkpoint ${h.origin ?? ""}`.trim(),
          );
        break;
      case "input":
        out.set(h.name, `${v} was bound from the input shapes of ${h.origin}`);
        break;
      case "cli":
        out.set(h.name, `${v} is from --set ${h.name}=${show(h.value)}`);
        break;
      case "preset":
        out.set(h.name, `${v} is from preset ${h.origin}`);
        break;
      case "variant":
        out.set(h.name, `${v} is set by the variant \`${h.origin}\``);
        break;
      default:
        out.set(h.name, undefined);
    }
  }
  return out;
}
