/**
 * The shared parser and lexer skip Chevrotain's grammar validations at start-up (a third of a cold start's
 * parser construction); here they run: an ambiguous alternative, left recursion or a token that can never
 * match makes the constructor throw.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { IToken } from "chevrotain";
import { MdlParser } from "../../grammar/parser.ts";
import { makeLexer } from "../../grammar/tokens.ts";

test("the grammar passes Chevrotain's validations", () => {
  // performSelfAnalysis throws "Parser Definition Errors detected" with the list
  assert.not.throws(() => new MdlParser({ validate: true }));
});

test("the tokens pass Chevrotain's lexer validations, and lex as the shared lexer does", () => {
  const lexer = makeLexer({ validate: true });
  assert.equal(lexer.lexerDefinitionErrors, []);
  const text = "block B(d: int = 4) { forward(x: [N, d]) -> [N, d] { return x ** 2 // 3 } }";
  const names = (r: { tokens: IToken[] }) => r.tokens.map((t) => `${t.tokenType.name}:${t.image}`);
  assert.equal(names(lexer.tokenize(text)), names(makeLexer().tokenize(text)));
});

test.run();
