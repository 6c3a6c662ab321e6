/**
 * CLIP's reversible byte <-> character mapping (`bytes_to_unicode` in OpenAI's simple_tokenizer).
 * BPE works on characters, so each UTF-8 byte becomes one printable character: bytes that are
 * already printable Latin-1 keep their own code point, the others (controls, space, 0x7f-0xa0, 0xad)
 * are moved to 256, 257, ... in byte order. The order of `byteChars` is also the order of the first
 * 256 vocabulary entries, which is why it lists the printable bytes first.
 */

function isPrintable(b: number): boolean {
  return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
}

function buildTables(): { byteToChar: string[]; charToByte: Map<string, number>; vocabOrder: string[] } {
  const byteToChar: string[] = new Array(256);
  const vocabOrder: string[] = [];
  for (let b = 0; b < 256; b++) {
    if (isPrintable(b)) {
      byteToChar[b] = String.fromCharCode(b);
      vocabOrder.push(byteToChar[b]!);
    }
  }
  let next = 256;
  for (let b = 0; b < 256; b++) {
    if (!isPrintable(b)) {
      byteToChar[b] = String.fromCharCode(next++);
      vocabOrder.push(byteToChar[b]!);
    }
  }
  const charToByte = new Map(byteToChar.map((c, b) => [c, b]));
  return { byteToChar, charToByte, vocabOrder };
}

const tables = buildTables();

/** byte value -> its one-character stand-in */
export const byteToChar: readonly string[] = tables.byteToChar;
/** the inverse, for decoding */
export const charToByte: ReadonlyMap<string, number> = tables.charToByte;
/** the 256 single-byte symbols in vocabulary order (ids 0..255; ids 256..511 are the same with `</w>`) */
export const byteVocabOrder: readonly string[] = tables.vocabOrder;

const utf8 = new TextEncoder();

/** The byte-level spelling of a pre-token: its UTF-8 bytes, each mapped to its stand-in character. */
export function toByteChars(token: string): string {
  let out = "";
  for (const b of utf8.encode(token)) out += byteToChar[b];
  return out;
}
