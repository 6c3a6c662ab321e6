/** Hyperparameter types: checking a value against `int`, `float`, `bool`, `enum(a | b)`. */
import type { TypeRef } from "../1-syntax/ast.ts";
import { diag, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { Span } from "../source.ts";
import { ERROR, flt, kindName, type Value } from "./values.ts";
import { OPEN_SCALAR } from "./evaluate.ts";

export function typeText(t: TypeRef): string {
  return t.options ? `enum(${t.options.join(" | ")})` : t.name;
}

/** Coerce a value to a declared type (int -> float is allowed), or report why it does not fit. */
export function coerce(v: Value, t: TypeRef, what: string, span: Span, out: Diagnostic[]): Value {
  if (v.k === "error") return v;
  const fail = (expected: string) => {
    out.push(diag("type_mismatch", span, what, expected, kindName(v)));
    return ERROR;
  };
  if (t.options) {
    if (v.k !== "str") return fail(typeText(t));
    if (!t.options.includes(v.v)) {
      out.push(diag("bad_enum", span, v.v, t.options));
      return ERROR;
    }
    return v;
  }
  switch (t.name) {
    case "int":
      if (v.k === "sym" || v.k === "dim") return v;
      if (v.k === "num" && Number.isInteger(v.v)) return { k: "num", v: v.v, int: true };
      if (v.k === "num") {
        out.push(diag("non_integer_dim", span, what, String(v.v)));
        return ERROR;
      }
      return fail("a whole number");
    case "float":
      if (v.k === "num") return flt(v.v);
      if (v.k === "sym") return v;
      // only a block checked generically has symbolic dims here: a float of one is left open
      if (v.k === "dim") return OPEN_SCALAR;
      return fail("a number");
    case "bool":
      return v.k === "bool" ? v : fail("`true` or `false`");
    case "str":
      return v.k === "str" ? v : fail("a string");
  }
  out.push(diag("unknown_name", t.span, "type", t.name));
  return ERROR;
}
