/**
 * The canonical source form of an AST: what `mdl fmt` and the prettier plugin write. Lines fit in
 * 100 columns where they can; a list that does not fit goes one item per line with a trailing comma
 * (where the grammar allows one). Blank lines between members and statements are kept (at most one),
 * declarations are separated by one, and every comment is kept (see comments.ts for where).
 */
import type * as A from "./ast.ts";
import { CommentQueue, type Close, type Comment, type Item, type Slots } from "./comments.ts";
import {
  breakParent,
  group,
  hardline,
  ifBreak,
  indent,
  join,
  line,
  lineSuffix,
  render,
  softline,
  type Doc,
} from "./doc.ts";
import { level, needsSemicolon } from "./precedence.ts";
import { parseSource } from "./parse.ts";
import { lexer } from "../../../grammar/tokens.ts";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";

export type { Comment } from "./comments.ts";
export const WIDTH = 100;

/** Prints `file`, parsed from `text` (comments and blank lines are read back from the text by offset). */
export function printSource(file: A.FileAst, comments: readonly Comment[], text: string, width = WIDTH): string {
  const out = render(new SourcePrinter(text, comments).file(file), width);
  return out === "" ? "" : out + "\n";
}

/** Parses and prints `text`; with a syntax error there is no value, only the diagnostics. */
export function formatSource(file: string, text: string, width = WIDTH): { value?: string; diagnostics: Diagnostic[] } {
  const parsed = parseSource(file, text);
  if (parsed.diagnostics.length) return { diagnostics: parsed.diagnostics };
  return { value: printSource(parsed.value, parsed.comments, text, width), diagnostics: [] };
}

const byStart = <T extends { span: { start: number } }>(xs: readonly T[]) =>
  [...xs].sort((a, b) => a.span.start - b.span.start);
const str = (s: string) => JSON.stringify(s);
const trailing = (cs: readonly Comment[]): Doc => cs.map((c) => [lineSuffix([" ", c.text]), breakParent]);

class SourcePrinter {
  private readonly q: CommentQueue;
  constructor(
    private readonly text: string,
    comments: readonly Comment[],
  ) {
    this.q = new CommentQueue(text, comments);
  }

  private item<T extends { span: { start: number; end: number } }>(node: T, print: (n: T) => Doc): Item {
    return { start: node.span.start, end: node.span.end, print: () => print(node) };
  }

  /** Lines of members or statements; `blank(i)` forces a blank line before item i. */
  private lines(s: Slots, blank: (i: number) => boolean = () => false): Doc[] {
    const out: Doc[] = [];
    const push = (doc: Doc, start: number, force: boolean) => {
      if (out.length) out.push(force || this.q.blankBefore(start) ? [hardline, hardline] : hardline);
      out.push(doc);
    };
    s.items.forEach((it, i) => {
      const first = it.leading[0]?.start ?? it.start;
      it.leading.forEach((c) => push(c.text, c.start, c.start === first && blank(i)));
      push([it.doc, trailing(it.trailing)], it.start, it.start === first && blank(i));
    });
    for (const c of s.dangling) push(c.text, c.start, false);
    return out;
  }

  /** "{" lines "}" — always broken, even when short. */
  private body(s: Slots): Doc {
    if (!s.items.length && !s.dangling.length && !s.open.length) return "{}";
    return ["{", trailing(s.open), indent([hardline, this.lines(s)]), hardline, "}"];
  }

  /** A bracketed, comma-separated list: on one line if it fits, else one item per line. */
  private list(open: string, close: string, s: Slots, opts: { comma: boolean; pad?: boolean }): Doc {
    if (!s.items.length && !s.dangling.length && !s.open.length) return open + close;
    const parts: Doc[] = s.items.map((it, i) => {
      const last = i === s.items.length - 1;
      const sep = !last ? "," : opts.comma ? ifBreak(",") : "";
      return [it.leading.map((c) => [c.text, hardline]), it.doc, sep, trailing(it.trailing), last ? "" : line];
    });
    const dangling = s.dangling.map((c) => [hardline, c.text]);
    const edge = opts.pad ? line : softline;
    if (!s.items.length) return group([open, trailing(s.open), indent(dangling), edge, close]);
    return group([open, trailing(s.open), indent([edge, parts, dangling]), edge, close]);
  }

  private items<T extends { span: { start: number; end: number } }>(
    nodes: readonly T[],
    print: (n: T) => Doc,
    close: Close,
  ): Slots {
    return this.q.collect(
      nodes.map((n) => this.item(n, print)),
      close,
    );
  }

  /** File : (Import | BlockDecl | ModelDecl)* — one blank line before each declaration. */
  file(f: A.FileAst): Doc {
    const nodes = byStart<A.ImportDecl | A.BlockDecl | A.ModelDecl>([...f.imports, ...f.decls]);
    const s = this.items(
      nodes,
      (n) => (n.kind === "Import" ? this.importDecl(n) : n.kind === "Block" ? this.blockDecl(n) : this.modelDecl(n)),
      this.text.length,
    );
    return this.lines(s, (i) => i > 0 && nodes[i].kind !== "Import");
  }

  /** Import : "import" "{" Name ("," Name)* "}" "from" String */
  private importDecl(d: A.ImportDecl): Doc {
    const names = this.items(d.names, (n) => n.name, "scan");
    return ["import ", this.list("{", "}", names, { comma: true, pad: true }), " from ", str(d.from)];
  }

  /** HyperParams : "(" HyperParam ("," HyperParam)* ","? ")"    HyperParam : Name ":" TypeRef ("=" Expr)? */
  private hyperParams(ps: readonly A.HyperParam[]): Doc {
    return this.list(
      "(",
      ")",
      this.items(ps, (p) => this.hyperParam(p), "scan"),
      { comma: true },
    );
  }

  private hyperParam(p: A.HyperParam): Doc {
    const type = p.type.options ? [p.type.name, "(", p.type.options.join(" | "), ")"] : p.type.name;
    return [p.name.name, ": ", type, p.default ? [" = ", this.expr(p.default)] : ""];
  }

  /** BlockDecl : "block" Name ("(" HyperParams? ")")? ("extends" Name)? "{" Member* "}" */
  private blockDecl(d: A.BlockDecl): Doc {
    const params = d.bare && d.base && !d.params.length ? "" : this.hyperParams(d.params);
    return [
      "block ",
      d.name.name,
      params,
      d.base ? [" extends ", d.base.name] : "",
      " ",
      this.body(this.items(d.members, (m) => this.member(m), d.span.end - 1)),
    ];
  }

  /** ModelDecl : "model" Name ("(" HyperParams? ")")? ("extends" Name)? "{" (Member | Preset | Set | Replace | Remove)* "}" */
  private modelDecl(d: A.ModelDecl): Doc {
    const params = d.params.length ? this.hyperParams(d.params) : "";
    const nodes = byStart<A.Member | A.PresetDecl | A.SetDecl | A.ReplaceDecl | A.RemoveDecl | A.TrainDecl>([
      ...d.members,
      ...d.presets,
      ...d.edits,
      ...(d.train ?? []),
    ]);
    const body = this.body(this.items(nodes, (n) => this.modelMember(n), d.span.end - 1));
    return ["model ", d.name.name, params, d.base ? [" extends ", d.base.name] : "", " ", body];
  }

  private modelMember(n: A.Member | A.PresetDecl | A.SetDecl | A.ReplaceDecl | A.RemoveDecl | A.TrainDecl): Doc {
    switch (n.kind) {
      case "Train":
        return [n.keyword.name, " ", this.body(this.items(n.rules, (r) => this.lrRule(r), n.span.end - 1))];
      case "Preset":
        return this.preset(n);
      case "Set":
        return this.setDecl(n);
      case "Replace":
        return ["replace ", this.path(n.path), " = ", this.moduleExpr(n.module)];
      case "Remove":
        return ["remove ", this.path(n.path)];
      default:
        return this.member(n);
    }
  }

  /** Preset : "preset" String ("extends" String)? "{" (Name "=" Expr ","?)* "}" */
  private preset(p: A.PresetDecl): Doc {
    const assignments = this.items(p.assignments, (a) => this.assignment(a), p.span.end - 1);
    return [
      "preset ",
      str(p.name),
      p.base ? [" extends ", str(p.base.name)] : "",
      " ",
      this.list("{", "}", assignments, { comma: true, pad: true }),
    ];
  }

  private assignment(a: A.Assignment): Doc {
    return [a.name.name, " = ", this.expr(a.value)];
  }

  /** LrRule : "lr" "*" Number ":" String ("," String)*    (a long list breaks one pattern per line, as `set` does) */
  private lrRule(r: A.LrRule): Doc {
    const parts = r.patterns.map((p, i) => [str(p.value), i < r.patterns.length - 1 ? "," : ""]);
    return group([r.key.name, " * ", r.scaleText, ": ", indent(join(line, parts))]);
  }

  /** Set : "set" Assignment ("," Assignment)*    (no brackets, so no trailing comma) */
  private setDecl(d: A.SetDecl): Doc {
    const s = this.items(d.assignments, (a) => this.assignment(a), "none");
    // with no bracket to trail, a comment after `set` leads the first assignment
    s.items[0]?.leading.unshift(...s.open);
    const parts = s.items.map((it, i) => [
      it.leading.map((c) => [c.text, hardline]),
      it.doc,
      i < s.items.length - 1 ? "," : "",
      trailing(it.trailing),
    ]);
    return group(["set ", indent(join(line, parts))]);
  }

  private path(p: readonly A.Ident[]): string {
    return p.map((i) => i.name).join(".");
  }

  /** Member : LetMember | ParamMember | SubModule | UseMember | Forward */
  private member(m: A.Member): Doc {
    switch (m.kind) {
      case "LetMember":
        return ["let ", m.name.name, " = ", this.expr(m.value)];
      case "ParamMember":
        return [
          "param ",
          m.name.name,
          ": ",
          this.shape(m.type),
          m.init ? [" = ", this.expr(m.init)] : "",
          m.cond ? [" if ", this.expr(m.cond)] : "",
        ];
      case "SubModule":
        return [
          m.optional ? "optional " : "",
          m.recompute ? "recompute " : "",
          this.path(m.path),
          " = ",
          this.moduleExpr(m.module),
          m.cond ? [" if ", this.expr(m.cond)] : "",
        ];
      case "UseMember":
        return [m.optional ? "optional " : "", "use ", m.name.name, " = ", this.moduleExpr(m.module)];
      case "AssertMember":
        return ["assert ", this.expr(m.cond), m.message !== undefined ? [", ", str(m.message)] : ""];
      case "Forward":
        return this.forward(m);
    }
  }

  /** ModuleExpr : "repeat" Expr ("as" Name)? "{" ModuleExpr "}" | "seq" "{" (Int ":" ModuleExpr ","?)* "}" | Name "(" Args? ")" */
  private moduleExpr(m: A.ModuleExpr): Doc {
    switch (m.kind) {
      case "Repeat": {
        const inner = this.items([m.body], (b) => this.moduleExpr(b), m.span.end - 1);
        return [
          "repeat ",
          this.expr(m.count),
          m.index ? [" as ", m.index.name] : "",
          " ",
          this.list("{", "}", inner, { comma: false, pad: true }),
        ];
      }
      case "Seq": {
        const entries = m.items.map((it) => ({ ...it, span: { start: it.keySpan.start, end: it.module.span.end } }));
        const s = this.items(entries, (it) => [String(it.key), ": ", this.moduleExpr(it.module)], m.span.end - 1);
        return ["seq ", this.list("{", "}", s, { comma: true, pad: true })];
      }
      case "Instance":
        return [m.block.name, this.args(m.args, m.span.end - 1)];
    }
  }

  /** Forward : "forward" "(" FParams ")" "->" Outputs Body — the arrow moves to its own line first. */
  private forward(f: A.ForwardDecl): Doc {
    const inputs = this.list(
      "(",
      ")",
      this.items(f.inputs, (p) => this.fparam(p.name, p.type), "scan"),
      { comma: true },
    );
    let outputs: Doc;
    if (f.tupleOutputs) {
      const outs = f.outputs.map((o) => ({
        ...o,
        span: { start: o.name?.span.start ?? o.type.span.start, end: o.type.span.end },
      }));
      outputs = this.list(
        "(",
        ")",
        this.items(outs, (o) => this.fparam(o.name, o.type), "scan"),
        { comma: true },
      );
    } else outputs = f.outputs[0] ? this.shape(f.outputs[0].type) : "[]";
    const arrow = group(indent(indent([line, "-> ", outputs])));
    return ["forward", inputs, arrow, " ", this.block(f.body, f.span.end - 1)];
  }

  private fparam(name: A.Ident | undefined, type: A.ShapeType): Doc {
    return [name ? [name.name, ": "] : "", this.shape(type)];
  }

  /** ShapeType : Name? "[" (DimItem ("," DimItem)*)? "]"    (no trailing comma) */
  private shape(t: A.ShapeType): Doc {
    const dims = this.items(t.dims, (d) => (d.kind === "Ellipsis" ? "..." : this.expr(d)), t.span.end - 1);
    return [t.dtype ? t.dtype.name : "", this.list("[", "]", dims, { comma: false })];
  }

  /** Body : "{" Statement* "}" — a `;` only where the next statement would otherwise continue this one. */
  private block(stmts: readonly A.Stmt[], close: Close): Doc {
    const s = this.items(stmts, (st) => this.stmt(st), stmts.length ? "scan" : close);
    s.items.forEach((it, i) => {
      if (i + 1 < stmts.length && needsSemicolon(stmts[i], stmts[i + 1])) it.doc = [it.doc, ";"];
    });
    return this.body(s);
  }

  private stmt(s: A.Stmt): Doc {
    switch (s.kind) {
      case "Let": {
        const names = s.destructure
          ? this.list(
              "(",
              ")",
              this.items(s.names, (n) => n.name, "scan"),
              { comma: false },
            )
          : s.names[0].name;
        return ["let ", names, " = ", this.expr(s.value)];
      }
      case "Assign":
        return [s.name.name || this.targetText(s.name.span), " = ", this.expr(s.value)];
      case "Return":
        return ["return ", this.expr(s.value)];
      case "For":
        return [
          "for ",
          s.index ? [s.index.name, ", "] : "",
          s.variable.name,
          " in ",
          this.expr(s.iterable),
          " ",
          this.block(s.body, s.span.end - 1),
        ];
      case "If":
        return this.ifStmt(s);
      case "ExprStmt":
        return this.expr(s.value);
    }
  }

  /**
   * An assignment target that is not a name has no AST of its own (the checker reports it), so its
   * tokens are printed from the text, spaced the usual way; its comments go to the queue as any other.
   */
  private targetText(span: { start: number; end: number }): string {
    const tokens = lexer.tokenize(this.text.slice(span.start, span.end)).tokens.map((t) => t.image);
    return tokens
      .map((t, i) => {
        const prev = tokens[i - 1];
        const tight =
          prev === undefined ||
          /^[([.]$/.test(prev) ||
          /^[)\],.:]$/.test(t) ||
          (/^[([]$/.test(t) && /[\w)\]]$/.test(prev));
        return (tight ? "" : " ") + t;
      })
      .join("");
  }

  /** If : "if" Expr Body ("else" (If | Body))? — `else { if ... }` prints as `else if`, the same AST. */
  private ifStmt(s: A.IfStmt): Doc {
    const head = ["if ", this.expr(s.cond), " ", this.block(s.then, "scan")];
    if (!s.else) return head;
    const elseIf = s.else.length === 1 && s.else[0].kind === "If" ? s.else[0] : undefined;
    return [head, " else ", elseIf ? this.ifStmt(elseIf) : this.block(s.else, s.span.end - 1)];
  }

  /** Args : "(" (Arg ("," Arg)* ","?)? ")"    Arg : (Name ":")? Expr */
  private args(args: readonly A.Arg[], close: Close): Doc {
    const s = this.items(args, (a) => [a.name ? [a.name.name, ": "] : "", this.expr(a.value)], close);
    return this.list("(", ")", s, { comma: true });
  }

  /** Prints `e`, in parentheses when its precedence is below `min` (the AST keeps no parentheses). */
  private expr(e: A.Expr, min = 1): Doc {
    const doc = this.bare(e);
    return level(e) < min ? ["(", doc, ")"] : doc;
  }

  private bare(e: A.Expr): Doc {
    switch (e.kind) {
      case "Number":
        return e.text;
      case "String":
        return str(e.value);
      case "Bool":
        return e.value ? "true" : "false";
      case "Name":
        return e.name;
      case "Unary":
        return e.op === "-" ? ["-", this.expr(e.operand, level(e))] : ["not ", this.expr(e.operand, level(e))];
      case "Binary":
        return this.binary(e);
      case "Call":
        return [this.expr(e.callee, 9), this.args(e.args, e.span.end - 1)];
      case "Index": {
        const target = this.expr(e.target, 9);
        const items = this.items(e.items, (it) => this.indexItem(it), e.span.end - 1);
        return [target, this.list("[", "]", items, { comma: false })];
      }
      case "Member":
        return [this.expr(e.target, 9), ".", e.name.name];
      case "List":
        return this.list(
          "[",
          "]",
          this.items(e.items, (x) => this.expr(x), e.span.end - 1),
          { comma: false },
        );
      case "Tuple": {
        const items = e.items.map((it) => ({
          ...it,
          span: { start: it.name.name ? it.name.span.start : it.value.span.start, end: it.value.span.end },
        }));
        const s = this.items(
          items,
          (it) => [it.name.name ? [it.name.name, ": "] : "", this.expr(it.value)],
          e.span.end - 1,
        );
        return this.list("(", ")", s, { comma: true });
      }
    }
  }

  /** A run of one left-associative operator level breaks after its operators, all at once. */
  private binary(e: A.BinaryExpr): Doc {
    const lv = level(e);
    if (e.op === "**") return [this.expr(e.left, 9), " ** ", this.expr(e.right, 7)];
    const run: A.BinaryExpr[] = [];
    let left: A.Expr = e;
    // comparisons do not chain: `a < b < c` is not in the grammar
    while (left.kind === "Binary" && level(left) === lv && (run.length === 0 || lv !== 4)) {
      run.unshift(left);
      left = left.left;
    }
    // printed left to right, so that comments are handed out in source order
    const first = this.expr(left, lv === 4 ? 5 : lv);
    return group([first, indent(run.map((b) => [" ", b.op, line, this.expr(b.right, lv + 1)]))]);
  }

  private indexItem(it: A.IndexItem): Doc {
    const start = it.start ? this.expr(it.start) : "";
    return it.slice ? [start, ":", it.end ? this.expr(it.end) : ""] : start;
  }
}
