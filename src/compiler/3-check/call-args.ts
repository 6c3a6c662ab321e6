/** Binding a call's arguments to parameter names, one way for builtins and block instances alike. */
import { diag, withHint, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { PositionalTrap } from "../2-resolve/derive.ts";
import { didYouMean } from "../2-resolve/suggest.ts";
import type { Span } from "../source.ts";

export interface ArgSite {
  name?: string;
  /** Where the keyword is written (keyword mistakes point at it); the whole argument otherwise. */
  nameSpan?: Span;
  span: Span;
}

/**
 * Positional arguments fill the parameters in order, keywords by name. Mistakes are reported and
 * binding goes on (a positional argument after a keyword takes the first parameter still free, a
 * repeated keyword the later value), so one call shows all of its mistakes; returns, per parameter
 * name, the index of its argument.
 */
export function bindArguments(
  callee: string,
  names: readonly string[],
  args: readonly ArgSite[],
  out: Diagnostic[],
): Map<string, number> {
  const given = new Map<string, number>();
  let positional = 0;
  let sawKeyword = false;
  for (const [i, a] of args.entries()) {
    if (a.name !== undefined) {
      sawKeyword = true;
      const at = a.nameSpan ?? a.span;
      if (!names.includes(a.name)) {
        out.push(withHint(diag("unknown_keyword", at, a.name, callee, names), didYouMean(a.name, names)));
        continue;
      }
      if (given.has(a.name)) out.push(diag("duplicate_keyword_arg", at, a.name));
      given.set(a.name, i);
      continue;
    }
    if (sawKeyword) out.push(diag("positional_after_keyword", a.span));
    const name = sawKeyword ? names.find((n) => !given.has(n)) : names[positional++];
    if (name === undefined) {
      out.push(
        diag("arity", a.span, callee, `at most ${names.length}`, args.filter((x) => x.name === undefined).length),
      );
      break;
    }
    given.set(name, i);
  }
  return given;
}

/**
 * A positional argument that lands on a hyperparameter a derived block inherits with a default, while the
 * block adds hyperparameters of its own, is an error naming the argument: the user most
 * likely meant one of the block's own, which the hint suggests by keyword, in order.
 */
export function checkPositionalTraps(
  block: string,
  traps: ReadonlyMap<string, PositionalTrap>,
  args: readonly ArgSite[],
  bound: ReadonlyMap<string, number>,
  text: (i: number) => string,
  out: Diagnostic[],
): void {
  const meant = [...new Set([...traps.values()].flatMap((t) => t.later))].filter(
    (n) => !bound.has(n) || args[bound.get(n)!].name === undefined,
  );
  for (const [name, i] of bound) {
    const trap = traps.get(name);
    if (!trap || args[i].name !== undefined) continue;
    const arg = text(i);
    const instead = meant.shift();
    const hint = instead
      ? `did you mean \`${instead}: ${arg}\`? (\`${name}: ${arg}\` sets the inherited one)`
      : `write \`${name}: ${arg}\``;
    out.push(withHint(diag("positional_inherited", args[i].span, arg, name, block, trap.base), hint));
  }
}
