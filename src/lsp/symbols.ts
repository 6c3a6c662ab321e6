/** The outline: blocks and models, with their hyperparameters, members and forward. */
import { SymbolKind, type DocumentSymbol } from "vscode-languageserver/node";
import type * as A from "../compiler/1-syntax/ast.ts";
import { toRange } from "./positions.ts";
import type { Located } from "./workspace.ts";

const { Class: CLASS, Method: METHOD, Property: PROPERTY, Field: FIELD, Variable: VARIABLE, Module: MODULE, TypeParameter: TYPE_PARAMETER } = SymbolKind;
type Symbol = DocumentSymbol;

export function documentSymbols(at: Located): Symbol[] {
  const file = at.analysis.program.files.get(at.path);
  const sym = (name: string, kind: SymbolKind, node: { span: A.Ident["span"] }, sel: { span: A.Ident["span"] }, detail?: string, children?: Symbol[]): Symbol => ({
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
        return sym(m.path.map((p) => p.name).join("."), FIELD, m, m.path[0], at.text.slice(m.module.span.start, m.module.span.end).split("\n")[0]);
      case "UseMember":
        return sym(m.name.name, FIELD, m, m.name, "use");
      case "ParamMember":
        return sym(m.name.name, PROPERTY, m, m.name, "param");
      case "LetMember":
        return sym(m.name.name, VARIABLE, m, m.name, "let");
      case "Forward":
        return sym("forward", METHOD, m, m);
    }
  };
  return (file?.ast.decls ?? []).map((d) =>
    sym(d.name.name, d.kind === "Block" ? CLASS : MODULE, d, d.name, d.kind === "Block" ? "block" : "model", [
      ...d.params.map((p) => sym(p.name.name, TYPE_PARAMETER, p, p.name, p.type.name)),
      ...d.members.map(member),
    ]),
  );
}
