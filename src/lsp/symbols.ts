/**
 * The outline: blocks and models, with their hyperparameters, members and forward; a derived block or variant
 * model also lists what it inherits (detail `from Base`, placed at its `extends`).
 */
import { SymbolKind, type DocumentSymbol } from "vscode-languageserver/node";
import type * as A from "../compiler/1-syntax/ast.ts";
import { toRange } from "./positions.ts";
import type { Located } from "./workspace.ts";
import { definitionOf, viewOf } from "./inherited.ts";

const {
  Class: CLASS,
  Method: METHOD,
  Property: PROPERTY,
  Field: FIELD,
  Variable: VARIABLE,
  Module: MODULE,
  TypeParameter: TYPE_PARAMETER,
} = SymbolKind;
type Symbol = DocumentSymbol;
const KIND: Record<A.Member["kind"], SymbolKind> = {
  SubModule: FIELD,
  UseMember: FIELD,
  ParamMember: PROPERTY,
  LetMember: VARIABLE,
  AssertMember: VARIABLE,
  Forward: METHOD,
};
const nameOf = (m: A.Member) =>
  m.kind === "SubModule"
    ? m.path.map((p) => p.name).join(".")
    : m.kind === "Forward"
      ? "forward"
      : m.kind === "AssertMember"
        ? "assert"
        : m.name.name;

export function documentSymbols(at: Located): Symbol[] {
  const file = at.analysis.program.files.get(at.path);
  const sym = (
    name: string,
    kind: SymbolKind,
    node: { span: A.Ident["span"] },
    sel: { span: A.Ident["span"] },
    detail?: string,
    children?: Symbol[],
  ): Symbol => ({
    name,
    kind,
    range: toRange(at.text, node.span.start, node.span.end),
    selectionRange: toRange(at.text, sel.span.start, sel.span.end),
    ...(detail ? { detail } : {}),
    ...(children ? { children } : {}),
  });
  const member = (m: A.Member): Symbol => {
    switch (m.kind) {
      case "SubModule":
        return sym(
          m.path.map((p) => p.name).join("."),
          FIELD,
          m,
          m.path[0],
          at.text.slice(m.module.span.start, m.module.span.end).split("\n")[0],
        );
      case "UseMember":
        return sym(m.name.name, FIELD, m, m.name, "use");
      case "ParamMember":
        return sym(m.name.name, PROPERTY, m, m.name, "param");
      case "LetMember":
        return sym(m.name.name, VARIABLE, m, m.name, "let");
      case "Forward":
        return sym("forward", METHOD, m, m);
      case "AssertMember":
        return sym("assert", VARIABLE, m, m, m.message);
    }
  };
  const inherited = (d: A.BlockDecl | A.ModelDecl): Symbol[] => {
    if (!d.base) return [];
    const view = viewOf(at.analysis.program, definitionOf(at.analysis.program, at.path, d));
    const at_ = { span: d.base.span };
    const from = (name: string) => `from ${name}`;
    return [
      ...view.params
        .filter((p) => p.from.decl !== d)
        .map((p) => sym(p.param.name.name, TYPE_PARAMETER, at_, at_, `${p.param.type.name}, ${from(p.from.name)}`)),
      ...view.members
        .filter((m) => m.from.decl !== d)
        .map((m) => sym(nameOf(m.member), KIND[m.member.kind], at_, at_, from(m.from.name))),
    ];
  };
  return (file?.ast.decls ?? []).map((d) =>
    sym(d.name.name, d.kind === "Block" ? CLASS : MODULE, d, d.name, d.kind === "Block" ? "block" : "model", [
      ...d.params.map((p) => sym(p.name.name, TYPE_PARAMETER, p, p.name, p.type.name)),
      ...d.members.map(member),
      ...inherited(d),
    ]),
  );
}
