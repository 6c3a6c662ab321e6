/** Phase 1: text -> tokens -> CST -> AST, with every lexing and parsing error as a diagnostic. */
import type { CstNode, IRecognitionException, ILexingError, IToken } from "chevrotain";
import { CLOSE_BRACKETS, lexer, Name as NameToken, OPEN_BRACKETS } from "../../../grammar/tokens.ts";
import { parser } from "../../../grammar/parser.ts";
import { diag, withHint, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { checkAstDepth, checkSourceSize, DEFAULT_LIMITS, scanNesting, scanOperatorChains } from "../limits.ts";
import type { FileAst } from "./ast.ts";
import { toAst } from "./to-ast.ts";

export interface Parsed {
  value: FileAst;
  diagnostics: Diagnostic[];
  comments: { text: string; start: number; end: number }[];
}

/** `maxBytes`: the source size limit (--max-source-bytes); past it nothing is lexed. */
export function parseSource(file: string, text: string, maxBytes = DEFAULT_LIMITS.sourceBytes): Parsed {
  const tooLarge = checkSourceSize(file, text, maxBytes);
  if (tooLarge) return { value: emptyFile(file), diagnostics: [tooLarge], comments: [] };
  const lexed = lexer.tokenize(text);
  const diagnostics: Diagnostic[] = lexed.errors.map((e) => lexError(file, text, e));
  const comments = (lexed.groups.comments ?? []).map((t) => ({
    text: t.image,
    start: t.startOffset,
    end: t.startOffset + t.image.length,
  }));
  // Chevrotain recurses per nesting level and dies on a deep enough input (a RangeError inside its
  // error reporting); refuse before parsing. Later phases recurse over the AST: bound its depth too.
  const tooDeep = scanNesting(file, lexed.tokens) ?? scanOperatorChains(file, lexed.tokens);
  if (tooDeep) return { value: emptyFile(file), diagnostics: [...diagnostics, tooDeep], comments };
  const { cst, keywords, errors } = parseDeclarations(lexed.tokens);
  for (const t of keywords) {
    const d = diag(
      "unexpected_token",
      { file, start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1 },
      `\`${t.image}\``,
      `a name (\`${t.image}\` is a keyword)`,
    );
    // the spelling of Python and Java; mdl calls the base's forward as `super(x)`
    const superForward =
      t.image === "forward" && /\bsuper\s*\.\s*$/.test(text.slice(Math.max(0, t.startOffset - 16), t.startOffset));
    diagnostics.push(superForward ? withHint(d, "a derived block calls its base's forward as `super(x)`") : d);
  }
  // Recovery re-synchronises token by token; report the first error of a line, not the cascade after it.
  // A bad character or an unterminated string already explains what the parser trips over on its line.
  let lastLine = -1;
  const lexLines = new Set([...lexed.errors.map((e) => e.line), ...keywords.map((t) => t.startLine)]);
  for (const e of errors) {
    const line = Number.isNaN(e.token.startOffset) ? Infinity : (e.token.startLine ?? -1);
    if (line === lastLine || lexLines.has(line)) continue;
    lastLine = line;
    diagnostics.push(parseError(file, text, e));
  }
  const ast = toAst(cst, file);
  const deepAst = checkAstDepth(ast);
  if (deepAst) return { value: emptyFile(file), diagnostics: [...diagnostics, deepAst], comments };
  return { value: ast, diagnostics, comments };
}

const DECL_STARTS = new Set(["Import", "Block", "Model"]);

/**
 * The indices of the tokens where a top-level declaration begins (`import`, `block` or `model` outside
 * brackets), and whether the brackets balance (a closer with nothing open is not counted, and is unbalanced).
 * Shared by the per-declaration parse below and the editor's incremental parse (lsp/incremental-parse.ts).
 */
export function declarationStarts(tokens: readonly IToken[]): { starts: number[]; balanced: boolean } {
  const starts: number[] = [];
  let depth = 0;
  let balanced = true;
  for (let i = 0; i < tokens.length; i++) {
    const type = tokens[i].tokenType.name;
    if (OPEN_BRACKETS.has(type)) depth++;
    else if (CLOSE_BRACKETS.has(type)) {
      if (depth === 0) balanced = false;
      else depth--;
    } else if (depth === 0 && DECL_STARTS.has(type)) starts.push(i);
  }
  return { starts, balanced: balanced && depth === 0 };
}

/**
 * Parse each top-level declaration on its own and merge their trees. Chevrotain's recovery at the top of
 * `file` scans to the end of the input for a token to resynchronise on and re-enters the repetition
 * recursively, once per error: 3,200 stray tokens between blocks took minutes, then overflowed the stack.
 * Cut at `import`, `block` and `model` outside brackets, each error's recovery stays inside its declaration.
 */
function parseDeclarations(tokens: IToken[]): { cst: CstNode; keywords: IToken[]; errors: IRecognitionException[] } {
  const cuts = [0, ...declarationStarts(tokens).starts.filter((i) => i > 0), tokens.length];
  const children: Record<string, CstNode[]> = {};
  const keywords: IToken[] = [];
  const errors: IRecognitionException[] = [];
  for (let c = 0; c + 1 < cuts.length; c++) {
    const part = parseKeywordsAsNames(tokens.slice(cuts[c], cuts[c + 1]));
    keywords.push(...part.keywords);
    // a declaration cut short ends at the next one's keyword, not at the end of the file
    const next = tokens[cuts[c + 1]];
    for (const e of part.errors)
      errors.push(next && Number.isNaN(e.token.startOffset) ? Object.assign(e, { token: next }) : e);
    for (const [k, v] of Object.entries(part.cst.children))
      for (const n of v as CstNode[]) (children[k] ??= []).push(n);
  }
  const end = tokens[tokens.length - 1];
  const location = {
    startOffset: tokens[0]?.startOffset ?? NaN,
    endOffset: end ? end.startOffset + end.image.length - 1 : NaN,
  };
  return { cst: { name: "file", children, location }, keywords, errors };
}

/**
 * A keyword where a name belongs (`use block = ...`) derails recovery into made-up declarations (and a
 * false "defined more than once"): report it, then parse again reading that keyword as a name, so the
 * rest of the file is understood as written. Bounded: each round turns one more keyword into a name.
 */
function parseKeywordsAsNames(input: IToken[]): {
  cst: ReturnType<typeof parser.file>;
  keywords: IToken[];
  errors: IRecognitionException[];
} {
  let tokens = input;
  const keywords: IToken[] = [];
  for (;;) {
    parser.input = tokens;
    const cst = parser.file();
    const e = parser.errors[0];
    const t = e?.token;
    const i = t ? tokens.indexOf(t) : -1;
    const keyword =
      i >= 0 &&
      e.name === "MismatchedTokenException" &&
      e.message.includes("--> Name <--") &&
      /^[A-Za-z_]\w*$/.test(t.image);
    if (!keyword || keywords.length >= 16) return { cst, keywords, errors: parser.errors };
    keywords.push(t);
    tokens = [
      ...tokens.slice(0, i),
      { ...t, tokenType: NameToken, tokenTypeIdx: NameToken.tokenTypeIdx! },
      ...tokens.slice(i + 1),
    ];
  }
}

/** What a refused file parses to: nothing for later phases (or an editor) to recurse into. */
function emptyFile(file: string): FileAst {
  return { kind: "File", imports: [], decls: [], span: { file, start: 0, end: 0 } };
}

function lexError(file: string, text: string, e: ILexingError): Diagnostic {
  const span = { file, start: e.offset, end: e.offset + Math.max(1, e.length) };
  const ch = text.slice(e.offset, e.offset + e.length);
  if (ch.startsWith('"')) return diag("unterminated_string", span);
  return diag("invalid_character", span, ch.slice(0, 1) || "?");
}

function describe(image: string | undefined, type: string): string {
  if (type === "EOF" || image === undefined || image === "") return "end of file";
  return `\`${image}\``;
}

function parseError(file: string, text: string, e: IRecognitionException): Diagnostic {
  const t = e.token;
  const type = t.tokenType?.name ?? "EOF";
  const expected = expectedFrom(e);
  if (type === "EOF" || Number.isNaN(t.startOffset)) {
    const at = Math.max(0, text.trimEnd().length - 1);
    return diag("unexpected_eof", { file, start: at, end: at + 1 }, expected);
  }
  const span = { file, start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1 };
  if (type === "Int" || type === "Float") {
    // `1.2.3` lexes as `1.2` then `.3` (and `1..2` as `1.` then `.2`): report the whole literal
    const prev = text[t.startOffset - 1] ?? "";
    // `blocks.0(x)`: a dotted index is a path (`replace blocks.0 = ...`); in an expression a layer is `blocks[0]`
    const before = /([A-Za-z_][A-Za-z0-9_]*)\.$/.exec(text.slice(Math.max(0, t.startOffset - 101), t.startOffset));
    if (type === "Int" && before && !/^\d/.test(before[1])) {
      const d = diag(
        "unexpected_token",
        { file, start: t.startOffset - 1, end: span.end },
        `\`.${t.image}\``,
        expected,
      );
      return withHint(
        d,
        `a layer of a stack is \`${before[1]}[${t.image}]\` in an expression; \`${before[1]}.${t.image}\` is a path, for \`replace\` and \`remove\``,
      );
    }
    if (prev === "." || (t.image.startsWith(".") && /\d/.test(prev))) {
      let start = t.startOffset;
      while (start > 0 && /[\d.]/.test(text[start - 1])) start--;
      return diag("invalid_number", { file, start, end: span.end }, text.slice(start, span.end));
    }
  }
  return diag("unexpected_token", span, describe(t.image, type), expected);
}

const friendly: Record<string, string> = {
  Name: "a name",
  Int: "a whole number",
  Float: "a number",
  StringLit: "a string",
  LParen: "`(`",
  RParen: "`)`",
  LCurly: "`{`",
  RCurly: "`}`",
  LBracket: "`[`",
  RBracket: "`]`",
  Equals: "`=`",
  Colon: "`:`",
  Comma: "`,`",
  Arrow: "`->`",
  Dot: "`.`",
};

/** Chevrotain's messages list token types; turn the first few into words. */
function expectedFrom(e: IRecognitionException): string {
  const m = e.message.match(/--> (\w+) <--/g);
  const names = [...new Set((m ?? []).map((x) => x.replace(/--> | <--/g, "")))].filter((n) => n !== "EOF");
  if (e.name === "NoViableAltException" || e.name === "EarlyExitException") {
    const ctx = e.context?.ruleStack?.[e.context.ruleStack.length - 1];
    return ctx ? `${ruleWords[ctx] ?? ctx}` : "something else";
  }
  if (e.name === "NotAllInputParsedException") return "`block`, `model` or `import`";
  if (names.length === 0) return "something else";
  return names
    .slice(0, 3)
    .map((n) => friendly[n] ?? `\`${n.toLowerCase()}\``)
    .join(" or ");
}

const ruleWords: Record<string, string> = {
  file: "`block`, `model` or `import`",
  member: "a member (`param`, `let`, a sub-module `name = Block(...)`, `use`, or `forward`)",
  moduleExpr: "a block instance `Name(...)`, `repeat` or `seq`",
  statement: "a statement",
  primary: "an expression",
  unaryExpr: "an expression",
  notExpr: "an expression",
  dimItem: "a dimension",
  modelDecl: "a member, `preset`, `set`, `replace` or `remove`",
  outputs: "an output shape `[...]` or `(name: [...], ...)`",
  compareExpr: "a comparison operator",
  postfixExpr: "`(`, `[` or `.`",
  productExpr: "an operator",
  sumExpr: "an operator",
};
