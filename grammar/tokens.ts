/** Tokens of the .mdl language. Newlines are plain whitespace: statements need no separator. */
import { createToken, Lexer, type IToken, type TokenType } from "chevrotain";

export const Name = createToken({ name: "Name", pattern: /[A-Za-z_][A-Za-z0-9_]*/ });
const kw = (word: string) =>
  createToken({
    name: word[0].toUpperCase() + word.slice(1),
    pattern: new RegExp(`${word}(?![A-Za-z0-9_])`),
    longer_alt: Name,
  });

export const Import = kw("import");
export const From = kw("from");
export const Block = kw("block");
export const Model = kw("model");
export const Extends = kw("extends");
export const Preset = kw("preset");
export const Param = kw("param");
export const Let = kw("let");
export const Forward = kw("forward");
export const Return = kw("return");
export const For = kw("for");
export const In = kw("in");
export const If = kw("if");
export const Else = kw("else");
export const Repeat = kw("repeat");
export const As = kw("as");
export const Seq = kw("seq");
export const Use = kw("use");
export const Optional = kw("optional");
export const Recompute = kw("recompute");
export const Set = kw("set");
export const Replace = kw("replace");
export const Remove = kw("remove");
export const True = kw("true");
export const False = kw("false");
export const And = kw("and");
export const Or = kw("or");
export const Not = kw("not");
export const Assert = kw("assert");

/** A `*` or `**` that follows `replace`, `remove` or a dot: a wildcard path segment. */
const wildSegment = (tokens: IToken[]): boolean => {
  const [prev, last] = [tokens.at(-2)?.image, tokens.at(-1)?.image];
  return (last === "*" || last === "**") && (prev === "." || prev === "replace" || prev === "remove");
};
const FLOAT = /(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+/y;
/**
 * A number with a fraction or exponent, except inside a dotted path: `resblocks.11.attn` is a name, a dot, the
 * index 11, a dot and a name (not `resblocks`, `.11` and `.attn`), so a layer of a stack can be addressed.
 * Decided on the tokens before (comments and spaces between them do not count): after a dot a number is an
 * index, and `.5` right after a name, an index or a wildcard segment is a dot and an index, since no
 * expression puts a number there.
 */
export const Float = createToken({
  name: "Float",
  pattern: {
    exec: (text: string, offset: number, tokens: IToken[]) => {
      const last = tokens.at(-1)?.tokenType;
      if (last === Dot) return null;
      if (text[offset] === "." && (last === Name || last === Int || wildSegment(tokens))) return null;
      FLOAT.lastIndex = offset;
      return FLOAT.exec(text);
    },
  },
  start_chars_hint: [".", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  line_breaks: false,
});
export const Int = createToken({ name: "Int", pattern: /\d+/ });
export const StringLit = createToken({ name: "StringLit", pattern: /"(?:[^"\\\n]|\\.)*"/ });
export const Comment = createToken({ name: "Comment", pattern: /#[^\n]*/, group: "comments" });
export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\n]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

export const Arrow = createToken({ name: "Arrow", pattern: /->/ });
export const Ellipsis = createToken({ name: "Ellipsis", pattern: /\.\.\./ });
export const StarStar = createToken({ name: "StarStar", pattern: /\*\*/ });
export const SlashSlash = createToken({ name: "SlashSlash", pattern: /\/\// });
export const EqEq = createToken({ name: "EqEq", pattern: /==/ });
export const NotEq = createToken({ name: "NotEq", pattern: /!=/ });
export const LtEq = createToken({ name: "LtEq", pattern: /<=/ });
export const GtEq = createToken({ name: "GtEq", pattern: />=/ });
export const Lt = createToken({ name: "Lt", pattern: /</ });
export const Gt = createToken({ name: "Gt", pattern: />/ });
export const Plus = createToken({ name: "Plus", pattern: /\+/ });
export const Minus = createToken({ name: "Minus", pattern: /-/ });
export const Star = createToken({ name: "Star", pattern: /\*/ });
export const Slash = createToken({ name: "Slash", pattern: /\// });
export const Percent = createToken({ name: "Percent", pattern: /%/ });
export const At = createToken({ name: "At", pattern: /@/ });
export const Equals = createToken({ name: "Equals", pattern: /=/ });
export const Colon = createToken({ name: "Colon", pattern: /:/ });
export const Comma = createToken({ name: "Comma", pattern: /,/ });
export const Semicolon = createToken({ name: "Semicolon", pattern: /;/ });
export const Dot = createToken({ name: "Dot", pattern: /\./ });
export const Pipe = createToken({ name: "Pipe", pattern: /\|/ });
export const LParen = createToken({ name: "LParen", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", pattern: /\)/ });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/ });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/ });
export const LCurly = createToken({ name: "LCurly", pattern: /\{/ });
export const RCurly = createToken({ name: "RCurly", pattern: /\}/ });

/**
 * The brackets' token names, for scans over tokens that track nesting (the limits, declaration starts, the
 * editor). `globalThis.Set`: `Set` here is the `set` keyword's token.
 */
export const OPEN_BRACKETS: ReadonlySet<string> = new globalThis.Set([LParen, LBracket, LCurly].map((t) => t.name));
export const CLOSE_BRACKETS: ReadonlySet<string> = new globalThis.Set([RParen, RBracket, RCurly].map((t) => t.name));

export const keywords = [
  Import,
  From,
  Block,
  Model,
  Extends,
  Preset,
  Param,
  Let,
  Forward,
  Return,
  For,
  In,
  If,
  Else,
  Repeat,
  As,
  Seq,
  Use,
  Optional,
  Recompute,
  Set,
  Replace,
  Remove,
  True,
  False,
  And,
  Or,
  Not,
  Assert,
];

export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  Arrow,
  Ellipsis,
  Float,
  Int,
  StringLit,
  ...keywords,
  Name,
  StarStar,
  SlashSlash,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  Lt,
  Gt,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  At,
  Equals,
  Colon,
  Comma,
  Semicolon,
  Dot,
  Pipe,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LCurly,
  RCurly,
];

/** `validate`: Chevrotain's token validations, run by test/grammar/validations.test.ts and skipped at start-up. */
export const makeLexer = ({ validate = false } = {}) =>
  new Lexer(allTokens, { positionTracking: "full", ensureOptimizations: false, skipValidations: !validate });
export const lexer = makeLexer();
