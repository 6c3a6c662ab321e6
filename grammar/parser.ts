/** The .mdl grammar: a pure Chevrotain CstParser (rules only CONSUME and SUBRULE; error recovery on). */
import { CstParser } from "chevrotain";
import * as T from "./tokens.ts";

export class MdlParser extends CstParser {
  /**
   * `validate`: Chevrotain's grammar validations (ambiguities, left recursion), a third of a cold start's
   * parser construction; test/grammar/validations.test.ts runs them, so the shared instance skips them.
   */
  constructor({ validate = false } = {}) {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 3,
      nodeLocationTracking: "onlyOffset",
      skipValidations: !validate,
    });
    this.performSelfAnalysis();
  }

  /** File : (Import | BlockDecl | ModelDecl)* */
  file = this.RULE("file", () => {
    this.MANY(() =>
      this.OR([
        { ALT: () => this.SUBRULE(this.importDecl) },
        { ALT: () => this.SUBRULE(this.blockDecl) },
        { ALT: () => this.SUBRULE(this.modelDecl) },
      ]),
    );
  });

  /** Import : "import" "{" Name ("," Name)* ","? "}" "from" String */
  importDecl = this.RULE("importDecl", () => {
    this.CONSUME(T.Import);
    this.CONSUME(T.LCurly);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.OPTION(() => this.CONSUME(T.Name)) });
    this.CONSUME(T.RCurly);
    this.CONSUME(T.From);
    this.CONSUME(T.StringLit);
  });

  /**
   * BlockDecl : "block" Name ("(" HyperParams? ")")? ("extends" Name)? "{" Member* "}"
   * (the parentheses may be left out only by a block that extends another)
   */
  blockDecl = this.RULE("blockDecl", () => {
    this.CONSUME(T.Block);
    this.CONSUME(T.Name);
    this.OPTION2(() => {
      this.CONSUME(T.LParen);
      this.OPTION(() => this.SUBRULE(this.hyperParams));
      this.CONSUME(T.RParen);
    });
    this.OPTION3(() => {
      this.CONSUME(T.Extends);
      this.CONSUME2(T.Name);
    });
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.member));
    this.CONSUME(T.RCurly);
  });

  /** ModelDecl : "model" Name ("(" HyperParams? ")")? ("extends" Name)? "{" (Member | Preset | Set | Replace | Remove | Train)* "}" */
  modelDecl = this.RULE("modelDecl", () => {
    this.CONSUME(T.Model);
    this.CONSUME(T.Name);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.OPTION2(() => this.SUBRULE(this.hyperParams));
      this.CONSUME(T.RParen);
    });
    this.OPTION3(() => {
      this.CONSUME(T.Extends);
      this.CONSUME2(T.Name);
    });
    this.CONSUME(T.LCurly);
    this.MANY(() =>
      this.OR([
        { ALT: () => this.SUBRULE(this.member) },
        { ALT: () => this.SUBRULE(this.presetDecl) },
        { ALT: () => this.SUBRULE(this.setDecl) },
        { ALT: () => this.SUBRULE(this.replaceDecl) },
        { ALT: () => this.SUBRULE(this.removeDecl) },
        { ALT: () => this.SUBRULE(this.trainDecl) },
      ]),
    );
    this.CONSUME(T.RCurly);
  });

  /** HyperParams : HyperParam ("," HyperParam)* ","? */
  hyperParams = this.RULE("hyperParams", () => {
    this.SUBRULE(this.hyperParam);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.OPTION(() => this.SUBRULE2(this.hyperParam));
    });
  });

  /** HyperParam : Name ":" TypeRef ("=" Expr)? */
  hyperParam = this.RULE("hyperParam", () => {
    this.CONSUME(T.Name);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expr);
    });
  });

  /** TypeRef : Name ("(" Name ("|" Name)* ")")? */
  typeRef = this.RULE("typeRef", () => {
    this.CONSUME(T.Name);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.AT_LEAST_ONE_SEP({ SEP: T.Pipe, DEF: () => this.CONSUME2(T.Name) });
      this.CONSUME(T.RParen);
    });
  });

  /** Member : LetMember | ParamMember | SubModule | UseMember | AssertMember | Forward */
  member = this.RULE("member", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.letMember) },
      { ALT: () => this.SUBRULE(this.assertMember) },
      { ALT: () => this.SUBRULE(this.paramMember) },
      { ALT: () => this.SUBRULE(this.subModule) },
      { ALT: () => this.SUBRULE(this.useMember) },
      { ALT: () => this.SUBRULE(this.forwardDecl) },
    ]);
  });

  /** LetMember : "let" Name "=" Expr */
  letMember = this.RULE("letMember", () => {
    this.CONSUME(T.Let);
    this.CONSUME(T.Name);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
  });

  /** AssertMember : "assert" Expr ("," String)?     (a condition on the hyperparameters, checked at each instance) */
  assertMember = this.RULE("assertMember", () => {
    this.CONSUME(T.Assert);
    this.SUBRULE(this.expr);
    this.OPTION(() => {
      this.CONSUME(T.Comma);
      this.CONSUME(T.StringLit);
    });
  });

  /** ParamMember : "param" Name ":" ShapeType ("=" Expr)? ("if" Expr)? */
  paramMember = this.RULE("paramMember", () => {
    this.CONSUME(T.Param);
    this.CONSUME(T.Name);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.shapeType);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expr);
    });
    this.OPTION2(() => {
      this.CONSUME(T.If);
      this.SUBRULE2(this.expr);
    });
  });

  /** SubModule : "optional"? "recompute"? Path "=" ModuleExpr ("if" Expr)? */
  subModule = this.RULE("subModule", () => {
    this.OPTION(() => this.CONSUME(T.Optional));
    this.OPTION3(() => this.CONSUME(T.Recompute));
    this.SUBRULE(this.path);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.moduleExpr);
    this.OPTION2(() => {
      this.CONSUME(T.If);
      this.SUBRULE(this.expr);
    });
  });

  /** UseMember : "optional"? "use" Name "=" ModuleExpr   (the module's parameters live at this level) */
  useMember = this.RULE("useMember", () => {
    this.OPTION(() => this.CONSUME(T.Optional));
    this.CONSUME(T.Use);
    this.CONSUME(T.Name);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.moduleExpr);
  });

  /** Path : Name ("." Name)* */
  path = this.RULE("path", () => {
    this.CONSUME(T.Name);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.Name);
    });
  });

  /** ModuleExpr : "repeat" Expr ("as" Name)? "{" ModuleExpr "}" | "seq" "{" (Int ":" ModuleExpr ","?)* "}" | Name "(" Args? ")" */
  moduleExpr = this.RULE("moduleExpr", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Repeat);
          this.SUBRULE(this.expr);
          this.OPTION(() => {
            this.CONSUME(T.As);
            this.CONSUME(T.Name);
          });
          this.CONSUME(T.LCurly);
          this.SUBRULE(this.moduleExpr);
          this.CONSUME(T.RCurly);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Seq);
          this.CONSUME2(T.LCurly);
          this.MANY(() => {
            this.CONSUME(T.Int);
            this.CONSUME(T.Colon);
            this.SUBRULE2(this.moduleExpr);
            this.OPTION2(() => this.CONSUME(T.Comma));
          });
          this.CONSUME2(T.RCurly);
        },
      },
      {
        ALT: () => {
          this.CONSUME2(T.Name);
          this.CONSUME(T.LParen);
          this.OPTION3(() => this.SUBRULE(this.args));
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  /** Forward : "forward" "(" (FParam ("," FParam)* ","?)? ")" "->" Outputs Body */
  forwardDecl = this.RULE("forwardDecl", () => {
    this.CONSUME(T.Forward);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.OPTION(() => this.SUBRULE(this.fparam)) });
    this.CONSUME(T.RParen);
    this.CONSUME(T.Arrow);
    this.SUBRULE(this.outputs);
    this.SUBRULE(this.body);
  });

  /** FParam : Name ":" ShapeType */
  fparam = this.RULE("fparam", () => {
    this.CONSUME(T.Name);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.shapeType);
  });

  /** Outputs : ShapeType | "(" Name ":" ShapeType ("," Name ":" ShapeType)* ","? ")" */
  outputs = this.RULE("outputs", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.shapeType) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.MANY_SEP({ SEP: T.Comma, DEF: () => this.OPTION(() => this.SUBRULE(this.fparam)) });
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  /** ShapeType : Name? "[" (DimItem ("," DimItem)*)? "]"     e.g. f32[B, T, 3, H, W] */
  shapeType = this.RULE("shapeType", () => {
    this.OPTION(() => this.CONSUME(T.Name));
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.dimItem) });
    this.CONSUME(T.RBracket);
  });

  /** DimItem : "..." | Expr */
  dimItem = this.RULE("dimItem", () => {
    this.OR([{ ALT: () => this.CONSUME(T.Ellipsis) }, { ALT: () => this.SUBRULE(this.expr) }]);
  });

  /** Body : "{" Statement* "}" */
  body = this.RULE("body", () => {
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.statement));
    this.CONSUME(T.RCurly);
  });

  /** Statement : (Let | Return | For | If | Assign | ExprStatement) ";"? */
  statement = this.RULE("statement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.letStmt) },
      { ALT: () => this.SUBRULE(this.returnStmt) },
      { ALT: () => this.SUBRULE(this.forStmt) },
      { ALT: () => this.SUBRULE(this.ifStmt) },
      { ALT: () => this.SUBRULE(this.exprStmt) },
    ]);
    this.OPTION(() => this.CONSUME(T.Semicolon));
  });

  /** Let : "let" (Name | "(" Name ("," Name)* ")") "=" Expr */
  letStmt = this.RULE("letStmt", () => {
    this.CONSUME(T.Let);
    this.OR([
      { ALT: () => this.CONSUME(T.Name) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME2(T.Name) });
          this.CONSUME(T.RParen);
        },
      },
    ]);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
  });

  /** Return : "return" Expr */
  returnStmt = this.RULE("returnStmt", () => {
    this.CONSUME(T.Return);
    this.SUBRULE(this.expr);
  });

  /** For : "for" (Name ",")? Name "in" Expr Body      (a stack, a slice of one, or a list; the first name is the index) */
  forStmt = this.RULE("forStmt", () => {
    this.CONSUME(T.For);
    this.CONSUME(T.Name);
    this.OPTION(() => {
      this.CONSUME(T.Comma);
      this.CONSUME2(T.Name);
    });
    this.CONSUME(T.In);
    this.SUBRULE(this.expr);
    this.SUBRULE(this.body);
  });

  /** If : "if" Expr Body ("else" (If | Body))? */
  ifStmt = this.RULE("ifStmt", () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expr);
    this.SUBRULE(this.body);
    this.OPTION(() => {
      this.CONSUME(T.Else);
      this.OR([{ ALT: () => this.SUBRULE(this.ifStmt) }, { ALT: () => this.SUBRULE2(this.body) }]);
    });
  });

  /** ExprStatement : Expr ("=" Expr)?      (the target of an assignment must be a name) */
  exprStmt = this.RULE("exprStmt", () => {
    this.SUBRULE(this.expr);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE2(this.expr);
    });
  });

  /** Preset : "preset" String ("extends" String)? "{" (Name "=" Expr ","?)* "}" */
  presetDecl = this.RULE("presetDecl", () => {
    this.CONSUME(T.Preset);
    this.CONSUME(T.StringLit);
    this.OPTION(() => {
      this.CONSUME(T.Extends);
      this.CONSUME2(T.StringLit);
    });
    this.CONSUME(T.LCurly);
    this.MANY(() => {
      this.SUBRULE(this.assignment);
      this.OPTION2(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RCurly);
  });

  /** Assignment : Name "=" Expr */
  assignment = this.RULE("assignment", () => {
    this.CONSUME(T.Name);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
  });

  /** Set : "set" Assignment ("," Assignment)* */
  setDecl = this.RULE("setDecl", () => {
    this.CONSUME(T.Set);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.assignment) });
  });

  /** Replace : "replace" EditPath "=" ModuleExpr */
  replaceDecl = this.RULE("replaceDecl", () => {
    this.CONSUME(T.Replace);
    this.SUBRULE(this.editPath);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.moduleExpr);
  });

  /** Remove : "remove" EditPath */
  removeDecl = this.RULE("removeDecl", () => {
    this.CONSUME(T.Remove);
    this.SUBRULE(this.editPath);
  });

  /** EditPath : PathSegment ("." PathSegment)*     PathSegment : Name | Int | "*" | "**"   (src/compiler/paths/pattern.ts) */
  editPath = this.RULE("editPath", () => {
    this.SUBRULE(this.pathSegment);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.SUBRULE2(this.pathSegment);
    });
  });

  pathSegment = this.RULE("pathSegment", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Name) },
      { ALT: () => this.CONSUME(T.Int) },
      { ALT: () => this.CONSUME(T.StarStar) },
      { ALT: () => this.CONSUME(T.Star) },
    ]);
  });

  /**
   * Train : "train" "{" LrRule* "}"      ("train" and "lr" are names here, not keywords, so models may still use them)
   * LrRule : "lr" "*" Number ":" String ("," String)*
   */
  trainDecl = this.RULE("trainDecl", () => {
    this.CONSUME(T.Name);
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.lrRule));
    this.CONSUME(T.RCurly);
  });

  lrRule = this.RULE("lrRule", () => {
    this.CONSUME(T.Name);
    this.CONSUME(T.Star);
    this.OR([{ ALT: () => this.CONSUME(T.Int) }, { ALT: () => this.CONSUME(T.Float) }]);
    this.CONSUME(T.Colon);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.StringLit) });
  });

  /** Expr : And ("or" And)* */
  expr = this.RULE("expr", () => {
    this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(T.Or);
      this.SUBRULE2(this.andExpr);
    });
  });

  /** And : Not ("and" Not)* */
  andExpr = this.RULE("andExpr", () => {
    this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(T.And);
      this.SUBRULE2(this.notExpr);
    });
  });

  /** Not : "not" Not | Compare */
  notExpr = this.RULE("notExpr", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.notExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.compareExpr) },
    ]);
  });

  /** Compare : Sum (("==" | "!=" | "<" | "<=" | ">" | ">=") Sum)? */
  compareExpr = this.RULE("compareExpr", () => {
    this.SUBRULE(this.sumExpr);
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.EqEq) },
        { ALT: () => this.CONSUME(T.NotEq) },
        { ALT: () => this.CONSUME(T.LtEq) },
        { ALT: () => this.CONSUME(T.GtEq) },
        { ALT: () => this.CONSUME(T.Lt) },
        { ALT: () => this.CONSUME(T.Gt) },
      ]);
      this.SUBRULE2(this.sumExpr);
    });
  });

  /** Sum : Product (("+" | "-") Product)* */
  sumExpr = this.RULE("sumExpr", () => {
    this.SUBRULE(this.productExpr);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus) }, { ALT: () => this.CONSUME(T.Minus) }]);
      this.SUBRULE2(this.productExpr);
    });
  });

  /** Product : Unary (("*" | "/" | "//" | "%" | "@") Unary)* */
  productExpr = this.RULE("productExpr", () => {
    this.SUBRULE(this.unaryExpr);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Star) },
        { ALT: () => this.CONSUME(T.Slash) },
        { ALT: () => this.CONSUME(T.SlashSlash) },
        { ALT: () => this.CONSUME(T.Percent) },
        { ALT: () => this.CONSUME(T.At) },
      ]);
      this.SUBRULE2(this.unaryExpr);
    });
  });

  /** Unary : "-" Unary | Power */
  unaryExpr = this.RULE("unaryExpr", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.unaryExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.powerExpr) },
    ]);
  });

  /** Power : Postfix ("**" Unary)? */
  powerExpr = this.RULE("powerExpr", () => {
    this.SUBRULE(this.postfixExpr);
    this.OPTION(() => {
      this.CONSUME(T.StarStar);
      this.SUBRULE(this.unaryExpr);
    });
  });

  /** Postfix : Primary ("(" Args? ")" | "[" Index ("," Index)* "]" | "." Name)* */
  postfixExpr = this.RULE("postfixExpr", () => {
    this.SUBRULE(this.primary);
    this.MANY(() =>
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.OPTION(() => this.SUBRULE(this.args));
            this.CONSUME(T.RParen);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.indexItem) });
            this.CONSUME(T.RBracket);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Dot);
            this.CONSUME(T.Name);
          },
        },
      ]),
    );
  });

  /** Index : Expr? (":" Expr?)? */
  indexItem = this.RULE("indexItem", () => {
    this.OPTION(() => this.SUBRULE(this.expr));
    this.OPTION2(() => {
      this.CONSUME(T.Colon);
      this.OPTION3(() => this.SUBRULE2(this.expr));
    });
  });

  /** Args : Arg ("," Arg)* ","?     Arg : (Name ":")? Expr */
  args = this.RULE("args", () => {
    this.SUBRULE(this.arg);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.OPTION(() => this.SUBRULE2(this.arg));
    });
  });

  arg = this.RULE("arg", () => {
    this.OPTION(() => {
      this.CONSUME(T.Name);
      this.CONSUME(T.Colon);
    });
    this.SUBRULE(this.expr);
  });

  /** Primary : Int | Float | String | "true" | "false" | Name | "(" Expr ")" | "(" Arg ("," Arg)* ")" | "[" (Expr ("," Expr)*)? "]" */
  primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Int) },
      { ALT: () => this.CONSUME(T.Float) },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Name) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.args);
          this.CONSUME(T.RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expr) });
          this.CONSUME(T.RBracket);
        },
      },
    ]);
  });
}

export const parser = new MdlParser();
