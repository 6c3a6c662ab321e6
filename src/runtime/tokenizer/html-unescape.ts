/**
 * Python's `html.unescape`, which CLIP's `basic_clean` applies twice. It follows the HTML5 rules for
 * character references: named ones need their `;` except a legacy set that may omit it (then the
 * longest known prefix wins), and numeric ones map invalid code points the way browsers do.
 */
import { readHtml5Entities } from "./package-data.ts";

let entities: Map<string, string> | undefined;

/** Entities that HTML5 also recognises without the trailing `;` (the HTML 4 Latin-1 set and a few). */
const LEGACY = new Set(
  (
    "AElig AMP Aacute Acirc Agrave Aring Atilde Auml COPY Ccedil ETH Eacute Ecirc Egrave Euml GT Iacute Icirc " +
    "Igrave Iuml LT Ntilde Oacute Ocirc Ograve Ouml Oslash Otilde QUOT REG THORN Uacute Ucirc Ugrave Uuml Yacute " +
    "aacute acirc acute aelig agrave amp aring atilde auml brvbar ccedil cedil cent copy curren deg divide eacute " +
    "ecirc egrave eth euml frac12 frac14 frac34 gt iacute icirc iexcl igrave iquest iuml laquo lt macr micro middot " +
    "nbsp not ntilde oacute ocirc ograve ordf ordm oslash otilde ouml para plusmn pound quot raquo reg sect shy sup1 " +
    "sup2 sup3 szlig thorn times uacute ucirc ugrave uml uuml yacute yen yuml"
  ).split(" "),
);

/**
 * C1 control code points read as the Windows-1252 character of that byte, as HTML5 does for numeric
 * references and ftfy for stray C1 characters (Node's TextDecoder("windows-1252") decodes 0x80-0x9F
 * as Latin-1, so the table is spelled out).
 */
export const WINDOWS_1252_C1: Readonly<Record<number, string>> = {
  0x80: "\u20ac",
  0x81: "\x81",
  0x82: "\u201a",
  0x83: "\u0192",
  0x84: "\u201e",
  0x85: "\u2026",
  0x86: "\u2020",
  0x87: "\u2021",
  0x88: "\u02c6",
  0x89: "\u2030",
  0x8a: "\u0160",
  0x8b: "\u2039",
  0x8c: "\u0152",
  0x8d: "\x8d",
  0x8e: "\u017d",
  0x8f: "\x8f",
  0x90: "\x90",
  0x91: "\u2018",
  0x92: "\u2019",
  0x93: "\u201c",
  0x94: "\u201d",
  0x95: "\u2022",
  0x96: "\u2013",
  0x97: "\u2014",
  0x98: "\u02dc",
  0x99: "\u2122",
  0x9a: "\u0161",
  0x9b: "\u203a",
  0x9c: "\u0153",
  0x9d: "\x9d",
  0x9e: "\u017e",
  0x9f: "\u0178",
};

/** Code points a numeric reference may not produce; Python drops the reference entirely. */
function isDroppedCodePoint(n: number): boolean {
  return (
    (n >= 0x01 && n <= 0x08) ||
    n === 0x0b ||
    (n >= 0x0e && n <= 0x1f) ||
    (n >= 0x7f && n <= 0x9f) ||
    (n >= 0xfdd0 && n <= 0xfdef) ||
    (n & 0xfffe) === 0xfffe
  );
}

function numericReference(body: string): string {
  const hex = body[1] === "x" || body[1] === "X";
  const digits = body.slice(hex ? 2 : 1).replace(/;$/, "");
  // Python's int() has no upper bound; a float that is merely "very large" behaves the same below.
  const n = parseInt(digits, hex ? 16 : 10);
  if (n === 0x00) return "\ufffd";
  if (n === 0x0d) return "\r";
  if (n in WINDOWS_1252_C1) return WINDOWS_1252_C1[n]!;
  if ((n >= 0xd800 && n <= 0xdfff) || n > 0x10ffff) return "\ufffd";
  if (isDroppedCodePoint(n)) return "";
  return String.fromCodePoint(n);
}

function namedReference(body: string): string {
  entities ??= readHtml5Entities();
  const whole = body.endsWith(";")
    ? entities.get(body.slice(0, -1))
    : LEGACY.has(body)
      ? entities.get(body)
      : undefined;
  if (whole !== undefined) return whole;
  for (let x = body.length - 1; x > 1; x--) {
    const prefix = body.slice(0, x);
    if (LEGACY.has(prefix)) return entities.get(prefix)! + body.slice(x);
  }
  return "&" + body;
}

const REFERENCE = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g;

export function htmlUnescape(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(REFERENCE, (_, body: string) =>
    body[0] === "#" ? numericReference(body) : namedReference(body),
  );
}
