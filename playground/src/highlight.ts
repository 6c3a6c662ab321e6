/**
 * .mdl highlighting from the grammar's own lexer (grammar/tokens.ts): the tokens the parser sees are the
 * ones coloured, so a keyword added to the grammar is highlighted without touching the page.
 */
import { RangeSetBuilder } from "@codemirror/state";
import { Decoration, ViewPlugin, type DecorationSet, type EditorView, type ViewUpdate } from "@codemirror/view";
import { lexer } from "../../grammar/tokens.ts";

const mark = (cls: string) => Decoration.mark({ class: cls });
const KEYWORD = mark("tok-keyword");
const NUMBER = mark("tok-number");
const STRING = mark("tok-string");
const COMMENT = mark("tok-comment");
const TYPE = mark("tok-type");
const DTYPE = /^(f16|bf16|f32|f64|i8|i16|i32|i64|u8|bool|int|float|str)$/;

function classify(name: string, image: string): Decoration | undefined {
  if (name === "Int" || name === "Float") return NUMBER;
  if (name === "StringLit") return STRING;
  if (name === "Comment") return COMMENT;
  if (name === "True" || name === "False") return NUMBER;
  if (name === "Name") return /^[A-Z]/.test(image) || DTYPE.test(image) ? TYPE : undefined;
  // every other word-shaped token of the grammar is a keyword
  return /^[a-z]+$/.test(image) ? KEYWORD : undefined;
}

function decorate(view: EditorView): DecorationSet {
  const text = view.state.doc.toString();
  const lexed = lexer.tokenize(text);
  const tokens = [...lexed.tokens, ...(lexed.groups.comments ?? [])].sort((a, b) => a.startOffset - b.startOffset);
  const b = new RangeSetBuilder<Decoration>();
  for (const t of tokens) {
    const d = classify(t.tokenType.name, t.image);
    if (d) b.add(t.startOffset, t.startOffset + t.image.length, d);
  }
  return b.finish();
}

export const mdlHighlight = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = decorate(view);
    }
    update(u: ViewUpdate) {
      if (u.docChanged) this.decorations = decorate(u.view);
    }
  },
  { decorations: (v) => v.decorations },
);
