/**
 * The AST's debug form, for golden tests: one declaration, member or statement per line, indented
 * by nesting, with expressions as S-expressions so that precedence and grouping are explicit.
 * No offsets, so a golden changes only when the tree does.
 *   Block VisionTransformer(width: int, heads: int = (/ width 64))
 *     let grid = (/ resolution patch)
 *     param proj: [width, out] = (call normal (** width (- 0.5)))
 */
import type * as A from "./ast.ts";

export function printAst(file: A.FileAst): string {
  const out: string[] = [];
  const line = (depth: number, text: string) => out.push("  ".repeat(depth) + text);
  for (const i of file.imports)
    line(0, `Import {${i.names.map((n) => n.name).join(", ")}} from ${JSON.stringify(i.from)}`);
  for (const d of file.decls) {
    const params = d.params.length || d.kind === "Block" ? `(${d.params.map(hyperParam).join(", ")})` : "";
    const base = d.base ? ` extends ${d.base.name}` : "";
    line(0, `${d.kind} ${d.name.name}${params}${base}`);
    for (const m of d.members) member(m, 1, line);
    if (d.kind !== "Model") continue;
    for (const p of d.presets) {
      line(1, `Preset ${JSON.stringify(p.name)}${p.base ? ` extends ${JSON.stringify(p.base.name)}` : ""}`);
      for (const a of p.assignments) line(2, `${a.name.name} = ${expr(a.value)}`);
    }
    for (const e of d.edits) {
      if (e.kind === "Set") for (const a of e.assignments) line(1, `Set ${a.name.name} = ${expr(a.value)}`);
      else if (e.kind === "Replace") line(1, `Replace ${path(e.path)} = ${moduleExpr(e.module)}`);
      else line(1, `Remove ${path(e.path)}`);
    }
    for (const t of d.train ?? []) {
      line(1, `Train ${t.keyword.name}`);
      for (const r of t.rules)
        line(2, `${r.key.name} * ${r.scaleText}: ${r.patterns.map((p) => JSON.stringify(p.value)).join(", ")}`);
    }
  }
  return out.join("\n") + "\n";
}

type Line = (depth: number, text: string) => void;

function member(m: A.Member, depth: number, line: Line): void {
  switch (m.kind) {
    case "LetMember":
      return line(depth, `Let ${m.name.name} = ${expr(m.value)}`);
    case "ParamMember":
      return line(
        depth,
        `Param ${m.name.name}: ${shape(m.type)}${m.init ? ` = ${expr(m.init)}` : ""}${m.cond ? ` if ${expr(m.cond)}` : ""}`,
      );
    case "SubModule":
      return line(
        depth,
        `SubModule ${m.optional ? "optional " : ""}${m.recompute ? "recompute " : ""}${path(m.path)} ` +
          `= ${moduleExpr(m.module)}${m.cond ? ` if ${expr(m.cond)}` : ""}`,
      );
    case "UseMember":
      return line(depth, `Use ${m.optional ? "optional " : ""}${m.name.name} = ${moduleExpr(m.module)}`);
    case "AssertMember":
      return line(depth, `Assert ${expr(m.cond)}${m.message !== undefined ? `, ${JSON.stringify(m.message)}` : ""}`);
    case "Forward": {
      const outs = m.outputs.map((o) => (o.name ? `${o.name.name}: ${shape(o.type)}` : shape(o.type))).join(", ");
      line(
        depth,
        `Forward(${m.inputs.map((i) => `${i.name.name}: ${shape(i.type)}`).join(", ")}) -> ${m.tupleOutputs ? `(${outs})` : outs}`,
      );
      return body(m.body, depth + 1, line);
    }
  }
}

function body(stmts: A.Stmt[], depth: number, line: Line): void {
  for (const s of stmts) {
    switch (s.kind) {
      case "Let":
        line(
          depth,
          `Let ${s.destructure ? `(${s.names.map((n) => n.name).join(", ")})` : s.names[0].name} = ${expr(s.value)}`,
        );
        break;
      case "Assign":
        line(depth, `Assign ${s.name.name} = ${expr(s.value)}`);
        break;
      case "Return":
        line(depth, `Return ${expr(s.value)}`);
        break;
      case "ExprStmt":
        line(depth, `Expr ${expr(s.value)}`);
        break;
      case "For":
        line(depth, `For ${s.index ? `${s.index.name}, ` : ""}${s.variable.name} in ${expr(s.iterable)}`);
        body(s.body, depth + 1, line);
        break;
      case "If":
        line(depth, `If ${expr(s.cond)}`);
        body(s.then, depth + 1, line);
        if (s.else) {
          line(depth, "Else");
          body(s.else, depth + 1, line);
        }
        break;
    }
  }
}

const path = (p: A.Ident[]) => p.map((i) => i.name).join(".");

function hyperParam(p: A.HyperParam): string {
  const type = p.type.options ? `${p.type.name}(${p.type.options.join(" | ")})` : p.type.name;
  return `${p.name.name}: ${type}${p.default ? ` = ${expr(p.default)}` : ""}`;
}

function shape(t: A.ShapeType): string {
  return `${t.dtype ? t.dtype.name : ""}[${t.dims.map((d) => (d.kind === "Ellipsis" ? "..." : expr(d))).join(", ")}]`;
}

function moduleExpr(m: A.ModuleExpr): string {
  switch (m.kind) {
    case "Instance":
      return `${m.block.name}(${m.args.map(arg).join(", ")})`;
    case "Repeat":
      return `(repeat ${expr(m.count)}${m.index ? ` as ${m.index.name}` : ""} ${moduleExpr(m.body)})`;
    case "Seq":
      return `(seq ${m.items.map((i) => `${i.key}: ${moduleExpr(i.module)}`).join(" ")})`;
  }
}

const arg = (a: A.Arg) => (a.name ? `${a.name.name}: ${expr(a.value)}` : expr(a.value));

export function expr(e: A.Expr): string {
  switch (e.kind) {
    case "Number":
      return e.text;
    case "String":
      return JSON.stringify(e.value);
    case "Bool":
      return String(e.value);
    case "Name":
      return e.name;
    case "Binary":
      return `(${e.op} ${expr(e.left)} ${expr(e.right)})`;
    case "Unary":
      return `(${e.op} ${expr(e.operand)})`;
    case "Call":
      return `(call ${expr(e.callee)}${e.args.map((a) => " " + arg(a)).join("")})`;
    case "Index":
      return `(index ${expr(e.target)} ${e.items.map(indexItem).join(" ")})`;
    case "Member":
      return `(. ${expr(e.target)} ${e.name.name})`;
    case "List":
      return `[${e.items.map(expr).join(" ")}]`;
    case "Tuple":
      return `(tuple ${e.items.map((i) => `${i.name.name}: ${expr(i.value)}`).join(" ")})`;
  }
}

function indexItem(i: A.IndexItem): string {
  if (!i.slice) return i.start ? expr(i.start) : "_";
  return `(: ${i.start ? expr(i.start) : "_"} ${i.end ? expr(i.end) : "_"})`;
}
