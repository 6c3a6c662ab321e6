// The byte <-> character table and decode(), checked against values worked out by hand from the
// definition of bytes_to_unicode (printable Latin-1 first, the other bytes from U+0100 in byte order).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { byteToChar, byteVocabOrder, charToByte, toByteChars } from "../../src/runtime/tokenizer/byte-unicode.ts";
import { ClipTokenizer } from "../../src/runtime/tokenizer/clip-tokenizer.ts";

const tokenizer = ClipTokenizer.load();

test("printable bytes stand for themselves, the others move above U+00FF", () => {
  assert.is(byteToChar[0x21], "!");
  assert.is(byteToChar[0xe9], "é");
  assert.is(byteToChar[0x00], "\u0100");
  assert.is(byteToChar[0x20], "\u0120"); // the 33rd non-printable byte: Ġ, GPT-2's familiar space
  assert.is(byteToChar[0x7f], "\u0121");
  assert.is(byteToChar[0xad], "\u0143"); // the last of the 68 moved bytes
  assert.is(new Set(byteToChar).size, 256);
  for (let b = 0; b < 256; b++) assert.is(charToByte.get(byteToChar[b]!), b);
});

test("vocabulary order: 188 printable bytes, then the moved ones", () => {
  assert.is(byteVocabOrder.length, 256);
  assert.is(byteVocabOrder[0], "!");
  assert.is(byteVocabOrder[93], "~");
  assert.is(byteVocabOrder[94], "¡");
  assert.is(byteVocabOrder[187], "ÿ");
  assert.is(byteVocabOrder[188], "\u0100");
});

test("a pre-token is spelled by its UTF-8 bytes, not its UTF-16 code units", () => {
  assert.is(toByteChars("cat"), "cat");
  assert.is(toByteChars("é"), "Ã©"); // C3 A9
  assert.is(toByteChars("🙂"), "ðŁĻĤ"); // F0 9F 99 82: 0x9f, 0x99 and 0x82 are moved bytes
});

test("decode(encode(x)) restores lowercase words, each followed by the end-of-word space", () => {
  for (const text of [
    "a photo of a cat",
    "abseiling",
    "playing bagpipes",
    "supercalifragilisticexpialidocious is long",
  ]) {
    assert.is(
      tokenizer.decode(tokenizer.encode(text)),
      text
        .split(" ")
        .map((w) => w + " ")
        .join(""),
    );
  }
});

test("decode joins punctuation tokens as separate words, as OpenAI's decode does", () => {
  assert.is(tokenizer.decode(tokenizer.encode("don't stop.")), "don 't stop . ");
});

test("decode reassembles multi-byte characters split across tokens", () => {
  assert.is(tokenizer.decode(tokenizer.encode("naïve café")), "naïve café ");
  assert.is(tokenizer.decode(tokenizer.encode("emoji 🙂")), "emoji 🙂 ");
});

test("decode of single byte ids and special tokens", () => {
  assert.is(tokenizer.decode([0, 93]), "!~");
  assert.is(tokenizer.decode([256]), "! "); // "!</w>"
  assert.is(tokenizer.decode([127]), "\ufffd"); // byte C3 alone is not UTF-8
  assert.is(tokenizer.decode([49406, 320, 49407]), "<|startoftext|>a <|endoftext|>");
});

test("decode rejects ids outside the vocabulary", () => {
  assert.throws(() => tokenizer.decode([49408]), /outside CLIP's vocabulary/);
});

test.run();
