/** The typed AST. Every node has a `kind` tag and a span (offsets into its file). */
import type { Span } from "../source.ts";

interface NodeBase {
  span: Span;
}

export interface Ident extends NodeBase {
  kind: "Ident";
  name: string;
}

/** File : (Import | BlockDecl | ModelDecl)* */
export interface FileAst extends NodeBase {
  kind: "File";
  imports: ImportDecl[];
  decls: (BlockDecl | ModelDecl)[];
}

/** Import : "import" "{" Name ("," Name)* "}" "from" String */
export interface ImportDecl extends NodeBase {
  kind: "Import";
  names: Ident[];
  from: string;
  fromSpan: Span;
}

/** HyperParam : Name ":" TypeRef ("=" Expr)? */
export interface HyperParam extends NodeBase {
  kind: "HyperParam";
  name: Ident;
  type: TypeRef;
  default?: Expr;
}

/** TypeRef : Name ("(" Name ("|" Name)* ")")? */
export interface TypeRef extends NodeBase {
  kind: "TypeRef";
  name: string;
  options?: string[];
}

/**
 * BlockDecl : "block" Name ("(" HyperParams? ")")? ("extends" Name)? "{" Member* "}"
 * A block that extends another inherits its hyperparameters (its own come after them), members and forward;
 * a member or forward of the same name overrides, so inherited parameters keep their state-dict keys.
 */
export interface BlockDecl extends NodeBase {
  kind: "Block";
  name: Ident;
  params: HyperParam[];
  base?: Ident;
  /** Written without parentheses (`block X extends Y {`). */
  bare?: boolean;
  members: Member[];
}

/** ModelDecl : "model" Name ("(" HyperParams? ")")? ("extends" Name)? "{" ... "}" */
export interface ModelDecl extends NodeBase {
  kind: "Model";
  name: Ident;
  params: HyperParam[];
  base?: Ident;
  members: Member[];
  presets: PresetDecl[];
  edits: (SetDecl | ReplaceDecl | RemoveDecl)[];
  /** Training settings (absent when the model declares none). */
  train?: TrainDecl[];
}

export type Member = LetMember | ParamMember | SubModule | UseMember | AssertMember | ForwardDecl;

/** LetMember : "let" Name "=" Expr */
export interface LetMember extends NodeBase {
  kind: "LetMember";
  name: Ident;
  value: Expr;
}

/** ParamMember : "param" Name ":" ShapeType ("=" Expr)? ("if" Expr)? */
export interface ParamMember extends NodeBase {
  kind: "ParamMember";
  name: Ident;
  type: ShapeType;
  init?: Expr;
  cond?: Expr;
}

/**
 * SubModule : "optional"? "recompute"? Path "=" ModuleExpr ("if" Expr)?
 * `recompute`: training keeps only the inputs of each instance (each element of a repeat or seq) and
 * recomputes its activations in the backward pass (gradient checkpointing).
 */
export interface SubModule extends NodeBase {
  kind: "SubModule";
  optional: boolean;
  recompute: boolean;
  path: Ident[];
  module: ModuleExpr;
  cond?: Expr;
}

/** AssertMember : "assert" Expr ("," String)? */
export interface AssertMember extends NodeBase {
  kind: "AssertMember";
  cond: Expr;
  message?: string;
}

/** UseMember : "optional"? "use" Name "=" ModuleExpr */
export interface UseMember extends NodeBase {
  kind: "UseMember";
  optional: boolean;
  name: Ident;
  module: ModuleExpr;
}

/** ModuleExpr : Repeat | Seq | Instance */
export type ModuleExpr = RepeatExpr | SeqExpr | InstanceExpr;

/** Repeat : "repeat" Expr ("as" Name)? "{" ModuleExpr "}" */
export interface RepeatExpr extends NodeBase {
  kind: "Repeat";
  count: Expr;
  index?: Ident;
  body: ModuleExpr;
}

/** Seq : "seq" "{" (Int ":" ModuleExpr)* "}" */
export interface SeqExpr extends NodeBase {
  kind: "Seq";
  items: { key: number; keySpan: Span; module: ModuleExpr }[];
}

/** Instance : Name "(" Args? ")" */
export interface InstanceExpr extends NodeBase {
  kind: "Instance";
  block: Ident;
  args: Arg[];
}

/** Forward : "forward" "(" FParams ")" "->" Outputs Body */
export interface ForwardDecl extends NodeBase {
  kind: "Forward";
  inputs: FParam[];
  /** A single unnamed output has name undefined. */
  outputs: { name?: Ident; type: ShapeType }[];
  tupleOutputs: boolean;
  body: Stmt[];
}

/** FParam : Name ":" ShapeType */
export interface FParam extends NodeBase {
  kind: "FParam";
  name: Ident;
  type: ShapeType;
}

/** ShapeType : Name? "[" (DimItem ("," DimItem)*)? "]" */
export interface ShapeType extends NodeBase {
  kind: "ShapeType";
  dtype?: Ident;
  dims: (Expr | EllipsisDim)[];
}

export interface EllipsisDim extends NodeBase {
  kind: "Ellipsis";
}

/** Preset : "preset" String ("extends" String)? "{" Assignment* "}" */
export interface PresetDecl extends NodeBase {
  kind: "Preset";
  name: string;
  nameSpan: Span;
  base?: { name: string; span: Span };
  assignments: Assignment[];
}

export interface Assignment extends NodeBase {
  kind: "Assignment";
  name: Ident;
  value: Expr;
}

export interface SetDecl extends NodeBase {
  kind: "Set";
  assignments: Assignment[];
}

/** Replace : "replace" EditPath "=" ModuleExpr — a path segment is a name, an index, `*` or `**` */
export interface ReplaceDecl extends NodeBase {
  kind: "Replace";
  path: Ident[];
  module: ModuleExpr;
}

export interface RemoveDecl extends NodeBase {
  kind: "Remove";
  path: Ident[];
}

/** Train : "train" "{" LrRule* "}"   (`keyword` is a name the checker requires to be `train`) */
export interface TrainDecl extends NodeBase {
  kind: "Train";
  keyword: Ident;
  rules: LrRule[];
}

/** LrRule : "lr" "*" Number ":" String ("," String)*   (the parameters the patterns select train at scale x the base rate) */
export interface LrRule extends NodeBase {
  kind: "LrRule";
  key: Ident;
  scale: number;
  scaleText: string;
  patterns: { value: string; span: Span }[];
}

export type Stmt = LetStmt | AssignStmt | ReturnStmt | ForStmt | IfStmt | ExprStmt;

export interface LetStmt extends NodeBase {
  kind: "Let";
  names: Ident[];
  destructure: boolean;
  value: Expr;
}
export interface AssignStmt extends NodeBase {
  kind: "Assign";
  name: Ident;
  value: Expr;
}
export interface ReturnStmt extends NodeBase {
  kind: "Return";
  value: Expr;
}
/** For : "for" (Name ",")? Name "in" Expr Body   (over a stack's layers, a slice of them, or a list; `index` counts from 0) */
export interface ForStmt extends NodeBase {
  kind: "For";
  index?: Ident;
  variable: Ident;
  iterable: Expr;
  body: Stmt[];
}
export interface IfStmt extends NodeBase {
  kind: "If";
  cond: Expr;
  then: Stmt[];
  else?: Stmt[];
}
export interface ExprStmt extends NodeBase {
  kind: "ExprStmt";
  value: Expr;
}

export type Expr =
  | NumberLit
  | StringLitExpr
  | BoolLit
  | NameExpr
  | BinaryExpr
  | UnaryExpr
  | CallExpr
  | IndexExpr
  | MemberExpr
  | ListExpr
  | TupleExpr;

export interface NumberLit extends NodeBase {
  kind: "Number";
  value: number;
  isInt: boolean;
  text: string;
}
export interface StringLitExpr extends NodeBase {
  kind: "String";
  value: string;
}
export interface BoolLit extends NodeBase {
  kind: "Bool";
  value: boolean;
}
export interface NameExpr extends NodeBase {
  kind: "Name";
  name: string;
}
export type BinaryOp =
  "+" | "-" | "*" | "/" | "//" | "%" | "@" | "**" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "and" | "or";
export interface BinaryExpr extends NodeBase {
  kind: "Binary";
  op: BinaryOp;
  left: Expr;
  right: Expr;
}
export interface UnaryExpr extends NodeBase {
  kind: "Unary";
  op: "-" | "not";
  operand: Expr;
}
export interface Arg extends NodeBase {
  kind: "Arg";
  name?: Ident;
  value: Expr;
}
export interface CallExpr extends NodeBase {
  kind: "Call";
  callee: Expr;
  args: Arg[];
}
/** Index : Expr? (":" Expr?)?  — a plain index when `slice` is false */
export interface IndexItem extends NodeBase {
  kind: "IndexItem";
  slice: boolean;
  start?: Expr;
  end?: Expr;
}
export interface IndexExpr extends NodeBase {
  kind: "Index";
  target: Expr;
  items: IndexItem[];
}
export interface MemberExpr extends NodeBase {
  kind: "Member";
  target: Expr;
  name: Ident;
}
export interface ListExpr extends NodeBase {
  kind: "List";
  items: Expr[];
}
/** A named tuple of outputs: (logits: x, feats: y) */
export interface TupleExpr extends NodeBase {
  kind: "Tuple";
  items: { name: Ident; value: Expr }[];
}
