/** The TextMate grammar: its patterns compile, it knows every keyword of the lexer, and sample lines get the right scopes. */
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { keywords } from "../../grammar/tokens.ts";

type Rule = {
  name?: string;
  match?: string;
  begin?: string;
  end?: string;
  include?: string;
  patterns?: Rule[];
  captures?: Record<string, { name: string }>;
};
const grammar = JSON.parse(readFileSync("editors/vscode/syntaxes/mdl.tmLanguage.json", "utf8")) as {
  patterns: Rule[];
  repository: Record<string, Rule>;
};

/** Top-level rules flattened in order, each as one JS regex (the grammar uses no Oniguruma-only syntax). */
function rules(): { re: RegExp; rule: Rule }[] {
  const out: { re: RegExp; rule: Rule }[] = [];
  const add = (r: Rule) => {
    if (r.include) return add(grammar.repository[r.include.slice(1)]);
    if (r.patterns && !r.begin) return r.patterns.forEach(add);
    const src = r.match ?? `${r.begin}(?:[^"\\\\]|\\\\.)*(?:${r.end})`;
    out.push({ re: new RegExp(src.replace(/\$$/, "(?=\\n|$)"), "gm"), rule: r });
  };
  grammar.patterns.forEach(add);
  return out;
}

/** Leftmost match wins, ties go to the earlier rule: how a TextMate engine scans a line. */
function scopes(line: string): [string, string][] {
  const out: [string, string][] = [];
  const rs = rules();
  let i = 0;
  while (i < line.length) {
    let best: { index: number; m: RegExpExecArray; rule: Rule } | undefined;
    for (const { re, rule } of rs) {
      re.lastIndex = i;
      const m = re.exec(line);
      if (m && m[0].length && (!best || m.index < best.index)) best = { index: m.index, m, rule };
    }
    if (!best) break;
    if (best.rule.captures)
      for (const [k, c] of Object.entries(best.rule.captures))
        out.push([best.m[Number(k)], c.name.replace("$1", best.m[1])]);
    else out.push([best.m[0], best.rule.name!]);
    i = best.index + best.m[0].length;
  }
  return out;
}

test("every lexer keyword is highlighted", () => {
  for (const k of keywords) {
    const word = String(k.PATTERN).match(/^\/?([a-z]+)/)![1];
    const s = scopes(`${word} `);
    assert.ok(s.length && s[0][0] === word && !s[0][1].startsWith("entity"), `${word}: ${JSON.stringify(s)}`);
  }
});

test("sample lines get their scopes", () => {
  assert.equal(scopes("block MIT(T: int, layers: int = 1) { # frames are tokens"), [
    ["block", "storage.type.block.mdl"],
    ["MIT", "entity.name.type.block.mdl"],
    ["int", "support.type.primitive.mdl"],
    ["int", "support.type.primitive.mdl"],
    ["=", "keyword.operator.mdl"],
    ["1", "constant.numeric.mdl"],
    ["# frames are tokens", "comment.line.number-sign.mdl"],
  ]);
  assert.equal(
    scopes("forward(video: f32[B, 8, 3, 224, 224]) -> (y: [B, K]) { return (y: exp(2.5e-1) * x) }").filter(
      ([, s]) => !s.startsWith("keyword.operator"),
    ),
    [
      ["forward", "keyword.control.mdl"],
      ["f32", "support.type.dtype.mdl"],
      ["8", "constant.numeric.mdl"],
      ["3", "constant.numeric.mdl"],
      ["224", "constant.numeric.mdl"],
      ["224", "constant.numeric.mdl"],
      ["return", "keyword.control.mdl"],
      ["2.5e-1", "constant.numeric.mdl"],
    ],
  );
  assert.equal(scopes('preset "L/14@336" extends "L/14" { resolution = 336 }').slice(0, 4), [
    ["preset", "keyword.other.preset.mdl"],
    ['"L/14@336"', "entity.name.tag.preset.mdl"],
    ["extends", "keyword.other.mdl"],
    ['"L/14"', "string.quoted.double.mdl"],
  ]);
  assert.equal(scopes("  optional use project_patches = PromptVisualProjection(width, embed)").slice(0, 4), [
    ["optional", "keyword.other.mdl"],
    ["use", "keyword.other.mdl"],
    ["=", "keyword.operator.mdl"],
    ["PromptVisualProjection", "entity.name.function.block.mdl"],
  ]);
});

test.run();
