/** Binding a call's arguments to parameter names, one way for builtins and block instances alike. */
import { diag, withHint, type Diagnostic } from "../diagnostics/diagnostic.ts";
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
export function bindArguments(callee: string, names: readonly string[], args: readonly ArgSite[], out: Diagnostic[]): Map<string, number> {
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
      out.push(diag("arity", a.span, callee, `at most ${names.length}`, args.filter((x) => x.name === undefined).length));
      break;
    }
    given.set(name, i);
  }
  return given;
}
