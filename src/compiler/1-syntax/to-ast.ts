/**
 * CST -> AST with spans. Recovery leaves holes in the CST (missing tokens, partial nodes);
 * this visitor skips them rather than throwing, because the parser has already reported them.
 */
import type { CstNode, IToken, CstElement } from "chevrotain";
import type * as A from "./ast.ts";
import type { Span } from "../source.ts";

type Kids = Record<string, CstElement[] | undefined>;

export function toAst(cst: CstNode, file: string): A.FileAst {
  const v = new Visitor(file);
  return v.file(cst);
}

class Visitor {
  constructor(private readonly fileName: string) {}

  private span(n: CstNode | IToken | undefined): Span {
    if (!n) return { file: this.fileName, start: 0, end: 0 };
    if ("image" in n) return { file: this.fileName, start: n.startOffset, end: (n.endOffset ?? n.startOffset) + 1 };
    const loc = n.location;
    const s = loc?.startOffset;
    const e = loc?.endOffset;
    if (s === undefined || Number.isNaN(s)) return { file: this.fileName, start: 0, end: 0 };
    return { file: this.fileName, start: s, end: e === undefined || Number.isNaN(e) ? s + 1 : e + 1 };
  }
  private join(a: Span, b: Span): Span {
    return { file: this.fileName, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
  }
  private tokens(k: Kids, name: string): IToken[] {
    return ((k[name] ?? []) as IToken[]).filter((t) => !t.isInsertedInRecovery && t.image !== undefined);
  }
  private tok(k: Kids, name: string, i = 0): IToken | undefined {
    return this.tokens(k, name)[i];
  }
  private nodes(k: Kids, name: string): CstNode[] {
    return (k[name] ?? []) as CstNode[];
  }
  private node(k: Kids, name: string, i = 0): CstNode | undefined {
    return this.nodes(k, name)[i];
  }
  private ident(t: IToken): A.Ident {
    return { kind: "Ident", name: t.image, span: this.span(t) };
  }
  private stringValue(t: IToken): string {
    try {
      return JSON.parse(t.image) as string;
    } catch {
      return t.image.slice(1, -1);
    }
  }

  trainDecl(n: CstNode): A.TrainDecl | undefined {
    const k = n.children as Kids;
    const keyword = this.tok(k, "Name");
    if (!keyword) return undefined;
    const rules = this.nodes(k, "lrRule").flatMap((r): A.LrRule[] => {
      const rk = r.children as Kids;
      const key = this.tok(rk, "Name");
      const num = this.tok(rk, "Int") ?? this.tok(rk, "Float");
      if (!key || !num) return [];
      const patterns = this.tokens(rk, "StringLit").map((t) => ({ value: this.stringValue(t), span: this.span(t) }));
      return [
        {
          kind: "LrRule",
          key: this.ident(key),
          scale: Number(num.image),
          scaleText: num.image,
          patterns,
          span: this.span(r),
        },
      ];
    });
    return { kind: "Train", keyword: this.ident(keyword), rules, span: this.span(n) };
  }

  file(n: CstNode): A.FileAst {
    const k = n.children as Kids;
    const imports = this.nodes(k, "importDecl")
      .map((c) => this.importDecl(c))
      .filter((x): x is A.ImportDecl => !!x);
    const decls: (A.BlockDecl | A.ModelDecl)[] = [];
    const all = [...this.nodes(k, "blockDecl"), ...this.nodes(k, "modelDecl")].sort(
      (a, b) => (a.location?.startOffset ?? 0) - (b.location?.startOffset ?? 0),
    );
    for (const c of all) {
      const d = c.name === "blockDecl" ? this.blockDecl(c) : this.modelDecl(c);
      if (d) decls.push(d);
    }
    return { kind: "File", imports, decls, span: this.span(n) };
  }

  importDecl(n: CstNode): A.ImportDecl | undefined {
    const k = n.children as Kids;
    const from = this.tok(k, "StringLit");
    if (!from) return undefined;
    return {
      kind: "Import",
      names: this.tokens(k, "Name").map((t) => this.ident(t)),
      from: this.stringValue(from),
      fromSpan: this.span(from),
      span: this.span(n),
    };
  }

  hyperParams(n: CstNode | undefined): A.HyperParam[] {
    if (!n) return [];
    const out: A.HyperParam[] = [];
    for (const p of this.nodes(n.children as Kids, "hyperParam")) {
      const k = p.children as Kids;
      const name = this.tok(k, "Name");
      const tref = this.node(k, "typeRef");
      if (!name || !tref) continue;
      const tk = tref.children as Kids;
      const tname = this.tok(tk, "Name");
      if (!tname) continue;
      const opts = this.tokens(tk, "Name")
        .slice(1)
        .map((t) => t.image);
      const type: A.TypeRef = {
        kind: "TypeRef",
        name: tname.image,
        span: this.span(tref),
        ...(this.tok(tk, "LParen") ? { options: opts } : {}),
      };
      const def = this.node(k, "expr");
      const hp: A.HyperParam = { kind: "HyperParam", name: this.ident(name), type, span: this.span(p) };
      const d = def && this.expr(def);
      if (d) hp.default = d;
      out.push(hp);
    }
    return out;
  }

  blockDecl(n: CstNode): A.BlockDecl | undefined {
    const k = n.children as Kids;
    const name = this.tok(k, "Name");
    if (!name) return undefined;
    const members = this.nodes(k, "member")
      .map((m) => this.member(m))
      .filter((x): x is A.Member => !!x);
    const b: A.BlockDecl = {
      kind: "Block",
      name: this.ident(name),
      params: this.hyperParams(this.node(k, "hyperParams")),
      members,
      span: this.span(n),
    };
    const base = this.tok(k, "Name", 1);
    if (this.tok(k, "Extends") && base) b.base = this.ident(base);
    if (!this.tok(k, "LParen")) b.bare = true;
    return b;
  }

  modelDecl(n: CstNode): A.ModelDecl | undefined {
    const k = n.children as Kids;
    const names = this.tokens(k, "Name");
    if (!names[0]) return undefined;
    const m: A.ModelDecl = {
      kind: "Model",
      name: this.ident(names[0]),
      params: this.hyperParams(this.node(k, "hyperParams")),
      members: this.nodes(k, "member")
        .map((x) => this.member(x))
        .filter((x): x is A.Member => !!x),
      presets: this.nodes(k, "presetDecl")
        .map((x) => this.preset(x))
        .filter((x): x is A.PresetDecl => !!x),
      edits: [],
      span: this.span(n),
    };
    if (this.tok(k, "Extends") && names[1]) m.base = this.ident(names[1]);
    const edits = [...this.nodes(k, "setDecl"), ...this.nodes(k, "replaceDecl"), ...this.nodes(k, "removeDecl")].sort(
      (a, b) => (a.location?.startOffset ?? 0) - (b.location?.startOffset ?? 0),
    );
    const train = this.nodes(k, "trainDecl")
      .map((x) => this.trainDecl(x))
      .filter((x): x is A.TrainDecl => !!x);
    if (train.length) m.train = train;
    for (const e of edits) {
      const ek = e.children as Kids;
      if (e.name === "setDecl") m.edits.push({ kind: "Set", assignments: this.assignments(ek), span: this.span(e) });
      else {
        const path = this.editPath(this.node(ek, "editPath"));
        if (!path.length) continue;
        if (e.name === "removeDecl") m.edits.push({ kind: "Remove", path, span: this.span(e) });
        else {
          const mod = this.moduleExpr(this.node(ek, "moduleExpr"));
          if (mod) m.edits.push({ kind: "Replace", path, module: mod, span: this.span(e) });
        }
      }
    }
    return m;
  }

  assignments(k: Kids): A.Assignment[] {
    const out: A.Assignment[] = [];
    for (const a of this.nodes(k, "assignment")) {
      const ak = a.children as Kids;
      const name = this.tok(ak, "Name");
      const value = this.expr(this.node(ak, "expr"));
      if (name && value) out.push({ kind: "Assignment", name: this.ident(name), value, span: this.span(a) });
    }
    return out;
  }

  preset(n: CstNode): A.PresetDecl | undefined {
    const k = n.children as Kids;
    const [name, base] = this.tokens(k, "StringLit");
    if (!name) return undefined;
    const p: A.PresetDecl = {
      kind: "Preset",
      name: this.stringValue(name),
      nameSpan: this.span(name),
      assignments: this.assignments(k),
      span: this.span(n),
    };
    if (base) p.base = { name: this.stringValue(base), span: this.span(base) };
    return p;
  }

  /** The segments of an edit path (names, indices, `*`, `**`) as identifiers, in order. */
  editPath(n: CstNode | undefined): A.Ident[] {
    if (!n) return [];
    return this.nodes(n.children as Kids, "pathSegment").flatMap((seg) =>
      Object.values(seg.children as Kids)
        .flat()
        .slice(0, 1)
        .map((t) => this.ident(t as IToken)),
    );
  }

  path(n: CstNode | undefined): A.Ident[] {
    return n ? this.tokens(n.children as Kids, "Name").map((t) => this.ident(t)) : [];
  }

  member(n: CstNode): A.Member | undefined {
    const [c] = Object.values(n.children as Kids).flat() as CstNode[];
    if (!c) return undefined;
    const k = c.children as Kids;
    const span = this.span(c);
    switch (c.name) {
      case "letMember": {
        const name = this.tok(k, "Name");
        const value = this.expr(this.node(k, "expr"));
        return name && value ? { kind: "LetMember", name: this.ident(name), value, span } : undefined;
      }
      case "paramMember": {
        const name = this.tok(k, "Name");
        const type = this.shapeType(this.node(k, "shapeType"));
        if (!name || !type) return undefined;
        const p: A.ParamMember = { kind: "ParamMember", name: this.ident(name), type, span };
        const exprs = this.nodes(k, "expr");
        const hasInit = !!this.tok(k, "Equals");
        const init = hasInit ? this.expr(exprs[0]) : undefined;
        const cond = this.tok(k, "If") ? this.expr(exprs[hasInit ? 1 : 0]) : undefined;
        if (init) p.init = init;
        if (cond) p.cond = cond;
        return p;
      }
      case "subModule": {
        const path = this.path(this.node(k, "path"));
        const module = this.moduleExpr(this.node(k, "moduleExpr"));
        if (!path.length || !module) return undefined;
        const s: A.SubModule = {
          kind: "SubModule",
          optional: !!this.tok(k, "Optional"),
          recompute: !!this.tok(k, "Recompute"),
          path,
          module,
          span,
        };
        const cond = this.tok(k, "If") ? this.expr(this.node(k, "expr")) : undefined;
        if (cond) s.cond = cond;
        return s;
      }
      case "assertMember": {
        const cond = this.expr(this.node(k, "expr"));
        const message = this.tok(k, "StringLit");
        if (!cond) return undefined;
        return message
          ? { kind: "AssertMember", cond, message: this.stringValue(message), span }
          : { kind: "AssertMember", cond, span };
      }
      case "useMember": {
        const name = this.tok(k, "Name");
        const module = this.moduleExpr(this.node(k, "moduleExpr"));
        return name && module
          ? { kind: "UseMember", optional: !!this.tok(k, "Optional"), name: this.ident(name), module, span }
          : undefined;
      }
      case "forwardDecl":
        return this.forward(c);
    }
    return undefined;
  }

  moduleExpr(n: CstNode | undefined): A.ModuleExpr | undefined {
    if (!n) return undefined;
    const k = n.children as Kids;
    const span = this.span(n);
    if (this.tok(k, "Repeat")) {
      const count = this.expr(this.node(k, "expr"));
      const body = this.moduleExpr(this.node(k, "moduleExpr"));
      if (!count || !body) return undefined;
      const r: A.RepeatExpr = { kind: "Repeat", count, body, span };
      const idx = this.tok(k, "Name");
      if (this.tok(k, "As") && idx) r.index = this.ident(idx);
      return r;
    }
    if (this.tok(k, "Seq")) {
      const keys = this.tokens(k, "Int");
      const mods = this.nodes(k, "moduleExpr");
      const items: A.SeqExpr["items"] = [];
      for (let i = 0; i < Math.min(keys.length, mods.length); i++) {
        const m = this.moduleExpr(mods[i]);
        if (m) items.push({ key: Number(keys[i].image), keySpan: this.span(keys[i]), module: m });
      }
      return { kind: "Seq", items, span };
    }
    const name = this.tok(k, "Name");
    if (!name) return undefined;
    return { kind: "Instance", block: this.ident(name), args: this.args(this.node(k, "args")), span };
  }

  shapeType(n: CstNode | undefined): A.ShapeType | undefined {
    if (!n) return undefined;
    const k = n.children as Kids;
    const dims: A.ShapeType["dims"] = [];
    for (const d of this.nodes(k, "dimItem")) {
      const dk = d.children as Kids;
      const el = this.tok(dk, "Ellipsis");
      if (el) dims.push({ kind: "Ellipsis", span: this.span(el) });
      else {
        const e = this.expr(this.node(dk, "expr"));
        if (e) dims.push(e);
      }
    }
    const s: A.ShapeType = { kind: "ShapeType", dims, span: this.span(n) };
    const dt = this.tok(k, "Name");
    if (dt) s.dtype = this.ident(dt);
    return s;
  }

  forward(n: CstNode): A.ForwardDecl | undefined {
    const k = n.children as Kids;
    const inputs = this.nodes(k, "fparam")
      .map((p) => this.fparam(p))
      .filter((x): x is A.FParam => !!x);
    const outNode = this.node(k, "outputs");
    const outputs: A.ForwardDecl["outputs"] = [];
    let tupleOutputs = false;
    if (outNode) {
      const ok = outNode.children as Kids;
      const single = this.shapeType(this.node(ok, "shapeType"));
      if (single) outputs.push({ type: single });
      else {
        tupleOutputs = true;
        for (const p of this.nodes(ok, "fparam")) {
          const f = this.fparam(p);
          if (f) outputs.push({ name: f.name, type: f.type });
        }
      }
    }
    return {
      kind: "Forward",
      inputs,
      outputs,
      tupleOutputs,
      body: this.body(this.node(k, "body")),
      span: this.span(n),
    };
  }

  fparam(n: CstNode): A.FParam | undefined {
    const k = n.children as Kids;
    const name = this.tok(k, "Name");
    const type = this.shapeType(this.node(k, "shapeType"));
    return name && type ? { kind: "FParam", name: this.ident(name), type, span: this.span(n) } : undefined;
  }

  body(n: CstNode | undefined): A.Stmt[] {
    if (!n) return [];
    return this.nodes(n.children as Kids, "statement")
      .map((s) => this.statement(s))
      .filter((x): x is A.Stmt => !!x);
  }

  statement(n: CstNode): A.Stmt | undefined {
    const [c] = Object.values(n.children as Kids)
      .flat()
      .filter((x) => !!x && "children" in x) as CstNode[];
    if (!c) return undefined;
    const k = c.children as Kids;
    const span = this.span(c);
    switch (c.name) {
      case "letStmt": {
        const value = this.expr(this.node(k, "expr"));
        const names = this.tokens(k, "Name").map((t) => this.ident(t));
        return value && names.length
          ? { kind: "Let", names, destructure: !!this.tok(k, "LParen"), value, span }
          : undefined;
      }
      case "returnStmt": {
        const value = this.expr(this.node(k, "expr"));
        return value ? { kind: "Return", value, span } : undefined;
      }
      case "forStmt": {
        const names = this.tokens(k, "Name").map((t) => this.ident(t));
        const iterable = this.expr(this.node(k, "expr"));
        if (!names.length || !iterable) return undefined;
        const body = this.body(this.node(k, "body"));
        return names.length === 2
          ? { kind: "For", index: names[0], variable: names[1], iterable, body, span }
          : { kind: "For", variable: names[0], iterable, body, span };
      }
      case "ifStmt":
        return this.ifStmt(c);
      case "exprStmt": {
        const [lhs, rhs] = this.nodes(k, "expr").map((e) => this.expr(e));
        if (!lhs) return undefined;
        if (this.tok(k, "Equals")) {
          if (!rhs) return undefined;
          // the checker reports a non-name target; keep it visible as an Assign to a placeholder name
          const name: A.Ident =
            lhs.kind === "Name"
              ? { kind: "Ident", name: lhs.name, span: lhs.span }
              : { kind: "Ident", name: "", span: lhs.span };
          return { kind: "Assign", name, value: rhs, span };
        }
        return { kind: "ExprStmt", value: lhs, span };
      }
    }
    return undefined;
  }

  ifStmt(c: CstNode): A.IfStmt | undefined {
    const k = c.children as Kids;
    const cond = this.expr(this.node(k, "expr"));
    if (!cond) return undefined;
    const s: A.IfStmt = { kind: "If", cond, then: this.body(this.node(k, "body")), span: this.span(c) };
    const elseIf = this.node(k, "ifStmt");
    if (elseIf) {
      const e = this.ifStmt(elseIf);
      if (e) s.else = [e];
    } else if (this.tok(k, "Else")) s.else = this.body(this.node(k, "body", 1));
    return s;
  }

  args(n: CstNode | undefined): A.Arg[] {
    if (!n) return [];
    const out: A.Arg[] = [];
    for (const a of this.nodes(n.children as Kids, "arg")) {
      const k = a.children as Kids;
      const value = this.expr(this.node(k, "expr"));
      if (!value) continue;
      const arg: A.Arg = { kind: "Arg", value, span: this.span(a) };
      const name = this.tok(k, "Name");
      if (name && this.tok(k, "Colon")) arg.name = this.ident(name);
      out.push(arg);
    }
    return out;
  }

  expr(n: CstNode | undefined): A.Expr | undefined {
    if (!n) return undefined;
    const k = n.children as Kids;
    switch (n.name) {
      case "expr":
        return this.chain(k, "andExpr", ["Or"]);
      case "andExpr":
        return this.chain(k, "notExpr", ["And"]);
      case "notExpr": {
        const inner = this.node(k, "notExpr");
        if (this.tok(k, "Not") && inner) {
          const operand = this.expr(inner);
          return operand && { kind: "Unary", op: "not", operand, span: this.span(n) };
        }
        return this.expr(this.node(k, "compareExpr"));
      }
      case "compareExpr":
        return this.chain(k, "sumExpr", ["EqEq", "NotEq", "LtEq", "GtEq", "Lt", "Gt"]);
      case "sumExpr":
        return this.chain(k, "productExpr", ["Plus", "Minus"]);
      case "productExpr":
        return this.chain(k, "unaryExpr", ["Star", "Slash", "SlashSlash", "Percent", "At"]);
      case "unaryExpr": {
        const inner = this.node(k, "unaryExpr");
        if (this.tok(k, "Minus") && inner) {
          const operand = this.expr(inner);
          return operand && { kind: "Unary", op: "-", operand, span: this.span(n) };
        }
        return this.expr(this.node(k, "powerExpr"));
      }
      case "powerExpr": {
        const base = this.expr(this.node(k, "postfixExpr"));
        const exp = this.expr(this.node(k, "unaryExpr"));
        if (base && exp && this.tok(k, "StarStar"))
          return { kind: "Binary", op: "**", left: base, right: exp, span: this.span(n) };
        return base;
      }
      case "postfixExpr":
        return this.postfix(n);
      case "primary":
        return this.primary(n);
    }
    return undefined;
  }

  private static readonly opText: Record<string, A.BinaryOp> = {
    Or: "or",
    And: "and",
    EqEq: "==",
    NotEq: "!=",
    LtEq: "<=",
    GtEq: ">=",
    Lt: "<",
    Gt: ">",
    Plus: "+",
    Minus: "-",
    Star: "*",
    Slash: "/",
    SlashSlash: "//",
    Percent: "%",
    At: "@",
  };

  /** Left-associative chains: operands and operator tokens are interleaved by offset. */
  private chain(k: Kids, operand: string, ops: string[]): A.Expr | undefined {
    const operands = this.nodes(k, operand).map((o) => this.expr(o));
    const opToks = ops.flatMap((o) => this.tokens(k, o)).sort((a, b) => a.startOffset - b.startOffset);
    let acc = operands[0];
    for (let i = 0; i < opToks.length; i++) {
      const right = operands[i + 1];
      if (!acc || !right) return acc;
      acc = {
        kind: "Binary",
        op: Visitor.opText[opToks[i].tokenType.name],
        left: acc,
        right,
        span: this.join(acc.span, right.span),
      };
    }
    return acc;
  }

  private postfix(n: CstNode): A.Expr | undefined {
    const k = n.children as Kids;
    let acc = this.expr(this.node(k, "primary"));
    if (!acc) return undefined;
    // suffixes in source order: calls "(", indexes "[", members "."
    type Suffix = { at: number; kind: "call" | "index" | "member"; tok: IToken };
    const suffixes: Suffix[] = [
      ...this.tokens(k, "LParen").map((t) => ({ at: t.startOffset, kind: "call" as const, tok: t })),
      ...this.tokens(k, "LBracket").map((t) => ({ at: t.startOffset, kind: "index" as const, tok: t })),
      ...this.tokens(k, "Dot").map((t) => ({ at: t.startOffset, kind: "member" as const, tok: t })),
    ].sort((a, b) => a.at - b.at);
    const argNodes = this.nodes(k, "args");
    const rparens = this.tokens(k, "RParen");
    const rbrackets = this.tokens(k, "RBracket");
    const items = this.nodes(k, "indexItem");
    const names = this.tokens(k, "Name");
    let ai = 0,
      ri = 0,
      bi = 0,
      ni = 0;
    for (const s of suffixes) {
      if (s.kind === "call") {
        const close = rparens[ri++];
        const argNode =
          argNodes[ai] &&
          (argNodes[ai].location?.startOffset ?? -1) > s.at &&
          (!close || (argNodes[ai].location?.startOffset ?? 0) < close.startOffset)
            ? argNodes[ai++]
            : undefined;
        const end: Span = close ? this.span(close) : acc.span;
        acc = { kind: "Call", callee: acc, args: this.args(argNode), span: this.join(acc.span, end) };
      } else if (s.kind === "index") {
        const close = rbrackets[bi++];
        const mine = items.filter(
          (it) =>
            (it.location?.startOffset ?? -1) > s.at && (!close || (it.location?.startOffset ?? 0) < close.startOffset),
        );
        const end: Span = close ? this.span(close) : acc.span;
        acc = {
          kind: "Index",
          target: acc,
          items: mine.map((it) => this.indexItem(it)),
          span: this.join(acc.span, end),
        };
      } else {
        const nameTok = names[ni++];
        if (!nameTok) return acc;
        acc = { kind: "Member", target: acc, name: this.ident(nameTok), span: this.join(acc.span, this.span(nameTok)) };
      }
    }
    return acc;
  }

  private indexItem(n: CstNode): A.IndexItem {
    const k = n.children as Kids;
    const colon = this.tok(k, "Colon");
    const exprs = this.nodes(k, "expr");
    const item: A.IndexItem = { kind: "IndexItem", slice: !!colon, span: this.span(n) };
    for (const e of exprs) {
      const x = this.expr(e);
      if (!x) continue;
      if (!colon || (e.location?.startOffset ?? 0) < colon.startOffset) item.start = x;
      else item.end = x;
    }
    return item;
  }

  private primary(n: CstNode): A.Expr | undefined {
    const k = n.children as Kids;
    const span = this.span(n);
    const int = this.tok(k, "Int");
    if (int) return { kind: "Number", value: Number(int.image), isInt: true, text: int.image, span };
    const fl = this.tok(k, "Float");
    if (fl) return { kind: "Number", value: Number(fl.image), isInt: false, text: fl.image, span };
    const str = this.tok(k, "StringLit");
    if (str) return { kind: "String", value: this.stringValue(str), span };
    if (this.tok(k, "True")) return { kind: "Bool", value: true, span };
    if (this.tok(k, "False")) return { kind: "Bool", value: false, span };
    const name = this.tok(k, "Name");
    if (name) return { kind: "Name", name: name.image, span };
    if (this.tok(k, "LBracket")) {
      return {
        kind: "List",
        items: this.nodes(k, "expr")
          .map((e) => this.expr(e))
          .filter((x): x is A.Expr => !!x),
        span,
      };
    }
    const args = this.args(this.node(k, "args"));
    if (args.length === 1 && !args[0].name) return args[0].value; // parenthesised expression
    return {
      kind: "Tuple",
      items: args.map((a) => ({ name: a.name ?? { kind: "Ident", name: "", span: a.span }, value: a.value })),
      span,
    };
  }
}
