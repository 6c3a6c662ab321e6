/**
 * The text normalisation OpenAI's simple_tokenizer applies before splitting:
 *   whitespace_clean(basic_clean(text)).lower()
 *   basic_clean = ftfy.fix_text, html.unescape twice, strip
 * ftfy is approximated by the fixes that act on well-formed Unicode (see `fixText`); its mojibake
 * repair (decoding text that was UTF-8 read as Latin-1/Windows-1252) is not reproduced.
 */
import { htmlUnescape, WINDOWS_1252_C1 } from "./html-unescape.ts";

/**
 * Python's `\s` / str.isspace() (Unicode White_Space plus the information separators 0x1C-0x1F).
 * JS `\s` differs: it lacks 0x1C-0x1F and U+0085 and adds U+FEFF, so it cannot be used here.
 */
export const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, "g");
const EDGE_SPACE = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");

const TERMINAL_ESCAPE = /\x1b\[[0-9;]*[a-zA-Z]/g;
// ftfy's CONTROL_CHARS: controls that carry no text (kept: tab, line breaks, form feed).
const CONTROL = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;
const C1 = /[\x80-\x9f]/g;
const LIGATURE = /[\u0132\u0133\u0149\u01c4-\u01cc\u01f1-\u01f3\ufb00-\ufb06]/g;
const WIDE = /[\u3000\uff01-\uffef]/g;
const SINGLE_QUOTE = /[\u02bc\u2018-\u201b]/g;
const DOUBLE_QUOTE = /[\u201c-\u201f]/g;
const ENTITY_LIKE = /&#?[0-9A-Za-z]{1,24};/g;

/**
 * ftfy.fix_text with its defaults, minus mojibake repair: unescape complete HTML entities (only when
 * the text has no `<`, ftfy's "auto"), drop terminal escapes, read stray C1 controls as Windows-1252,
 * expand Latin ligatures, narrow full-width forms, straighten curly quotes, drop invisible controls, NFC.
 */
export function fixText(text: string): string {
  if (!text.includes("<"))
    text = text.replace(ENTITY_LIKE, (ref) => (ref.startsWith("&#") ? unescapeNumeric(ref) : htmlUnescape(ref)));
  return text
    .replace(TERMINAL_ESCAPE, "")
    .replace(C1, (c) => WINDOWS_1252_C1[c.charCodeAt(0)]!)
    .replace(LIGATURE, (c) => c.normalize("NFKC"))
    .replace(WIDE, (c) => (c === "\u3000" ? " " : c.normalize("NFKC")))
    .replace(SINGLE_QUOTE, "'")
    .replace(DOUBLE_QUOTE, '"')
    .replace(CONTROL, "")
    .normalize("NFC");
}

/** ftfy keeps a numeric reference whose value would itself contain `;` (it only looks like an entity). */
function unescapeNumeric(ref: string): string {
  const value = htmlUnescape(ref);
  return value.includes(";") ? ref : value;
}

/** The full pre-split normalisation of simple_tokenizer.encode. */
export function cleanText(text: string): string {
  text = htmlUnescape(htmlUnescape(fixText(text))).replace(EDGE_SPACE, "");
  return text.replace(SPACE_RUN, " ").replace(EDGE_SPACE, "").toLowerCase();
}
