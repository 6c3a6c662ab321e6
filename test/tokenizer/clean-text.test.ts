// Normalisation before the split. Expected values follow Python's documented behaviour: each
// html.unescape row was checked against CPython 3's html.unescape; cleanText rows are worked out by
// hand from ftfy.fix_text's defaults, html.unescape twice, `\s+` -> " ", strip, lower().
import { test } from "uvu";
import * as assert from "uvu/assert";
import { htmlUnescape } from "../../src/runtime/tokenizer/html-unescape.ts";
import { cleanText, fixText } from "../../src/runtime/tokenizer/clean-text.ts";

const unescapeCases: [string, string][] = [
  ["&amp;", "&"],
  ["&amp", "&"], // legacy entity without `;`
  ["&ampfoo", "&foo"], // longest legacy prefix
  ["&notit;", "¬it;"],
  ["&notin;", "∉"],
  ["&amp;amp;", "&amp;"], // one level per call
  ["&#65;&#x42;&#X43", "ABC"],
  ["&#0000000065;", "A"],
  ["&#128;&#x92;", "€’"], // C1 references read as Windows-1252
  ["&#x81;", "\x81"],
  ["&#0;", "\ufffd"],
  ["&#xD800;&#x110000;", "\ufffd\ufffd"],
  ["a&#1;b&#xFFFE;c", "abc"], // dropped code points
  ["&NewLine;", "\n"],
  ["&acE;", "\u223e\u0333"], // two code points
  ["&foo; & amp; &", "&foo; & amp; &"],
  ["&LT;&GT", "<>"],
  ["&frac12;&frac1", "½&frac1"],
];

for (const [input, expected] of unescapeCases) {
  test(`html.unescape(${JSON.stringify(input)})`, () => assert.is(htmlUnescape(input), expected));
}

test("whitespace: Python's classes collapse to one space, ends stripped", () => {
  assert.is(cleanText("  Hello,\u00a0\u2003World!!\t\n "), "hello, world!!");
  assert.is(cleanText("a\u2028b\u3000c\u0085d"), "a b c…d"); // U+0085 is C1: ftfy reads it as Windows-1252 "…"
  assert.is(cleanText("a\u200bb"), "a\u200bb"); // zero-width space is not whitespace in Python
});

test("ftfy: controls without text are removed rather than turned into spaces", () => {
  assert.is(cleanText("a\x1cb\x0bc\ufeffd"), "abcd");
});

test("ftfy: curly quotes, ligatures and full-width forms", () => {
  assert.is(fixText("“Quoted” ‘text’ it\u02bcs"), "\"Quoted\" 'text' it's");
  assert.is(fixText("ﬁne ﬂow"), "fine flow");
  assert.is(fixText("ＡＢＣ１２３！"), "ABC123!");
});

test("ftfy: NFC composes decomposed accents", () => {
  assert.is(fixText("cafe\u0301"), "caf\u00e9");
});

test("ftfy: terminal colour escapes are dropped", () => {
  assert.is(fixText("\x1b[1;31mred\x1b[0m"), "red");
});

test("HTML: ftfy unescapes once, then basic_clean twice more, unless the text has a `<`", () => {
  assert.is(cleanText("&amp;amp;lt;"), "<");
  assert.is(cleanText("<b>&amp;amp;amp;</b>"), "<b>&amp;</b>");
});

test("lowercase follows Unicode, including the final sigma", () => {
  assert.is(cleanText("ΟΔΟΣ Straße İ"), "οδος straße i\u0307");
});

test.run();
