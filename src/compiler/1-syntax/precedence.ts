/**
 * Operator precedence as the grammar encodes it (parser.ts, `expr` down to `primary`). The AST keeps
 * no parentheses, so the printer asks these levels where it must put them back.
 */
import type * as A from "./ast.ts";

const binary: Record<A.BinaryOp, number> = {
  or: 1,
  and: 2,
  "==": 4,
  "!=": 4,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
  "//": 6,
  "%": 6,
  "@": 6,
  "**": 8,
};

/** 1 or, 2 and, 3 not, 4 comparison, 5 sum, 6 product, 7 unary minus, 8 power, 9 postfix, 10 primary. */
export function level(e: A.Expr): number {
  switch (e.kind) {
    case "Binary":
      return binary[e.op];
    case "Unary":
      return e.op === "not" ? 3 : 7;
    case "Call":
    case "Index":
    case "Member":
      return 9;
    default:
      return 10;
  }
}

/** Whether `e`, printed where precedence `min` is needed, starts with `(`, `[` or `-`. */
function opensWithContinuation(e: A.Expr, min: number): boolean {
  if (level(e) < min) return true;
  switch (e.kind) {
    case "Unary":
      return e.op === "-";
    case "List":
    case "Tuple":
      return true;
    case "Binary":
      return opensWithContinuation(e.left, e.op === "**" ? 9 : level(e) === 4 ? 5 : level(e));
    case "Call":
    case "Index":
    case "Member":
      return opensWithContinuation(e.kind === "Call" ? e.callee : e.target, 9);
    default:
      return false;
  }
}

/**
 * Statements need no separator, but one ending in an expression followed by one starting with `(`,
 * `[` or `-` would read as a call, an index or a subtraction: there the printer keeps a `;`.
 */
export function needsSemicolon(prev: A.Stmt, next: A.Stmt): boolean {
  if (prev.kind === "For" || prev.kind === "If") return false;
  return next.kind === "ExprStmt" && opensWithContinuation(next.value, 1);
}
