/**
 * Inlay hints, what rust-analyzer shows for types, for tensors: the symbolic shape after every `let` and
 * assignment of a forward body (the type `mdl ir` prints for that value), and the value a hyperparameter
 * is bound to at each use (of the instance the compiled model builds first). In a file with type or
 * shape errors they come from the partial IR: the parts that checked still show their shapes.
 */
import type * as A from "../compiler/1-syntax/ast.ts";
import type { Range } from "./positions.ts";
import { toOffset, toPosition } from "./positions.ts";
import { forwardLocals, nodesOf } from "./ast-walk.ts";
import { boundHyper, exprType, statements, typeText } from "./query.ts";
import { checkCancelled, type Located } from "./workspace.ts";
import type { CancellationToken } from "vscode-languageserver/node";
import type { CarriedOver } from "./carry-over.ts";

export interface Hint {
  position: { line: number; character: number };
  label: string;
  kind: 1 | 2; // 1 type, 2 parameter (LSP InlayHintKind)
  paddingLeft?: boolean;
}

/** The hints inside `range`; a long file is walked declaration by declaration, stopping when cancelled. */
export function inlayHints(at: Located, range: Range, token?: CancellationToken): Hint[] {
  const file = at.analysis.program.files.get(at.path);
  if (!file) return [];
  const hints: Hint[] = [];
  const hint = (offset: number, label: string, kind: 1 | 2) =>
    hints.push({ position: toPosition(at.text, offset), label, kind, paddingLeft: kind === 2 });
  const [from, to] = [toOffset(at.text, range.start), toOffset(at.text, range.end)];
  for (const decl of file.ast.decls) {
    if (decl.span.end < from || decl.span.start > to || at.analysis.hidden?.decls.has(decl.name.name)) continue;
    checkCancelled(token);
    const fwd = decl.members.find((m): m is A.ForwardDecl => m.kind === "Forward");
    for (const s of fwd ? statements(fwd.body) : []) {
      if (s.kind === "Let")
        s.names.forEach((n, i) => {
          const t = exprType(at.analysis, at.path, decl, s.value, s.destructure ? i : -1);
          if (t) hint(n.span.end, `: ${typeText(t)}`, 1);
        });
      if (s.kind === "Assign") {
        const t = exprType(at.analysis, at.path, decl, s.value);
        if (t) hint(s.name.span.end, `: ${typeText(t)}`, 1);
      }
    }
    const hyper = boundHyper(at.analysis, decl);
    if (!hyper) continue;
    const locals = forwardLocals(decl);
    for (const n of nodesOf(decl, ["Name"])) {
      if (locals.has(n.name) || !hyper.has(n.name)) continue;
      hint(n.span.end, `= ${hyper.get(n.name)}`, 2);
    }
  }
  const inside = (p: Hint["position"]) =>
    (p.line > range.start.line || (p.line === range.start.line && p.character >= range.start.character)) &&
    (p.line < range.end.line || (p.line === range.end.line && p.character <= range.end.character));
  return hints
    .filter((h) => inside(h.position))
    .sort((x, y) => x.position.line - y.position.line || x.position.character - y.position.character);
}

/** When the latest compile has no IR: the hints of the carried-over analysis, moved to the current text (carry-over.ts). */
export function carriedInlayHints(at: Located, c: CarriedOver, range: Range, token?: CancellationToken): Hint[] {
  const whole = { start: { line: 0, character: 0 }, end: toPosition(c.text, c.text.length) };
  const [from, to] = [toOffset(at.text, range.start), toOffset(at.text, range.end)];
  return inlayHints({ path: at.path, text: c.text, analysis: c.analysis, offset: 0 }, whole, token).flatMap((h) => {
    const offset = c.toNew(toOffset(c.text, h.position));
    return offset === undefined || offset < from || offset > to
      ? []
      : [{ ...h, position: toPosition(at.text, offset) }];
  });
}
