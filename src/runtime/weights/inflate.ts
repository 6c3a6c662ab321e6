/**
 * Raw DEFLATE (RFC 1951) into a buffer of the size the zip directory declares, in plain TypeScript: the weight
 * loaders also run in a web page (test/architecture/layers.test.ts), so node:zlib is not an option, and
 * decoding against the declared size bounds the memory a deflate bomb can take by construction.
 * Canonical Huffman decoding as Mark Adler's puff.c does it: one bit at a time, small and easy to check
 * (about 10 MB/s).
 * Metadata entries (pickles, code) are small; torch writes tensor storages stored, which never come here.
 */

/** A broken or oversized stream; zip.ts turns it into a catalogued error that names the entry. */
export class InflateError extends Error {}

interface Huffman {
  count: Uint16Array; // codes of each length 0..15
  symbol: Uint16Array; // symbols ordered by code
}

const MAXBITS = 15;
const LEN_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/**
 * Build a decoding table from code lengths. Over-subscribed sets are refused; an incomplete set only where zlib
 * takes one too: for literals and distances when every code has length 1 (one symbol, or none), never for
 * the code-length code. The fixed distance code (30 of 32 five-bit codes) is incomplete by definition.
 */
function huffman(lengths: ArrayLike<number>, n: number, what: string, incomplete: "never" | "single" | "ok"): Huffman {
  const count = new Uint16Array(MAXBITS + 1);
  for (let s = 0; s < n; s++) count[lengths[s]]++;
  let left = 1;
  for (let len = 1; len <= MAXBITS; len++) {
    left = (left << 1) - count[len];
    if (left < 0) throw new InflateError(`the ${what} code is over-subscribed`);
  }
  if (left > 0 && incomplete !== "ok" && (incomplete === "never" || n - count[0] - count[1] > 0))
    throw new InflateError(`the ${what} code is incomplete`);
  const offs = new Uint16Array(MAXBITS + 1);
  for (let len = 1; len < MAXBITS; len++) offs[len + 1] = offs[len] + count[len];
  const symbol = new Uint16Array(n);
  for (let s = 0; s < n; s++) if (lengths[s] !== 0) symbol[offs[lengths[s]]++] = s;
  return { count, symbol };
}

const FIXED = (() => {
  const l = new Uint8Array(288).fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  return {
    lit: huffman(l, 288, "fixed literal", "never"),
    dist: huffman(new Uint8Array(30).fill(5), 30, "fixed distance", "ok"),
  };
})();

/**
 * Inflate `src` into exactly `size` bytes; a stream that would write more, or ends short, is refused.
 * The buffer grows with what is written (up to `size`), so a lying size costs nothing until data backs it.
 */
export function inflateRaw(src: Uint8Array, size: number): Uint8Array {
  let out = new Uint8Array(Math.min(size, Math.max(1 << 16, 4 * src.length)));
  let op = 0,
    ip = 0,
    bitbuf = 0,
    bitcnt = 0;
  const room = (n: number) => {
    if (op + n > size) throw new InflateError(`the data inflates past the ${size} bytes declared for it`);
    if (op + n > out.length) {
      const grown = new Uint8Array(Math.min(size, Math.max(2 * out.length, op + n)));
      grown.set(out.subarray(0, op));
      out = grown;
    }
  };

  const bits = (n: number): number => {
    let v = bitbuf;
    while (bitcnt < n) {
      if (ip >= src.length) throw new InflateError("the compressed data ends in the middle of a block");
      v |= src[ip++] << bitcnt;
      bitcnt += 8;
    }
    bitbuf = v >>> n;
    bitcnt -= n;
    return v & ((1 << n) - 1);
  };
  const decode = (h: Huffman): number => {
    let code = 0,
      first = 0,
      index = 0;
    for (let len = 1; len <= MAXBITS; len++) {
      code |= bits(1);
      const count = h.count[len];
      if (code - count < first) return h.symbol[index + (code - first)];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw new InflateError("a code that the block's Huffman table does not have");
  };

  const stored = () => {
    bitbuf = 0;
    bitcnt = 0; // to the byte boundary; `bits` never holds a whole unread byte
    if (ip + 4 > src.length) throw new InflateError("the compressed data ends in a stored block's header");
    const len = src[ip] | (src[ip + 1] << 8),
      nlen = src[ip + 2] | (src[ip + 3] << 8);
    ip += 4;
    if (len !== (~nlen & 0xffff)) throw new InflateError("a stored block's length does not match its complement");
    if (ip + len > src.length) throw new InflateError("the compressed data ends inside a stored block");
    room(len);
    out.set(src.subarray(ip, ip + len), op);
    ip += len;
    op += len;
  };
  const codes = (lit: Huffman, dist: Huffman) => {
    for (;;) {
      const sym = decode(lit);
      if (sym < 256) {
        room(1);
        out[op++] = sym;
      } else if (sym === 256) return;
      else {
        const l = sym - 257;
        if (l >= 29) throw new InflateError("an invalid length symbol");
        const len = LEN_BASE[l] + bits(LEN_EXTRA[l]);
        const d = decode(dist);
        if (d >= 30) throw new InflateError("an invalid distance symbol");
        const back = DIST_BASE[d] + bits(DIST_EXTRA[d]);
        if (back > op) throw new InflateError("a distance reaches back before the start of the data");
        room(len);
        for (let k = 0; k < len; k++, op++) out[op] = out[op - back];
      }
    }
  };
  const dynamic = () => {
    const nlen = bits(5) + 257,
      ndist = bits(5) + 1,
      ncode = bits(4) + 4;
    if (nlen > 286 || ndist > 30) throw new InflateError("a block declares too many codes");
    const lengths = new Uint8Array(nlen + ndist);
    for (let i = 0; i < ncode; i++) lengths[CODE_ORDER[i]] = bits(3);
    const lencode = huffman(lengths, 19, "code length", "never");
    lengths.fill(0, 0, 19);
    for (let i = 0; i < nlen + ndist;) {
      const sym = decode(lencode);
      if (sym < 16) {
        lengths[i++] = sym;
        continue;
      }
      let repeat: number,
        value = 0;
      if (sym === 16) {
        if (i === 0) throw new InflateError("a repeated length with no length before it");
        value = lengths[i - 1];
        repeat = 3 + bits(2);
      } else repeat = sym === 17 ? 3 + bits(3) : 11 + bits(7);
      if (i + repeat > nlen + ndist) throw new InflateError("code lengths run past the declared count");
      while (repeat--) lengths[i++] = value;
    }
    if (lengths[256] === 0) throw new InflateError("a block without an end-of-block code");
    codes(
      huffman(lengths, nlen, "literal/length", "single"),
      huffman(lengths.subarray(nlen), ndist, "distance", "single"),
    );
  };

  let last = 0;
  do {
    last = bits(1);
    const type = bits(2);
    if (type === 0) stored();
    else if (type === 1) codes(FIXED.lit, FIXED.dist);
    else if (type === 2) dynamic();
    else throw new InflateError("a block of the reserved type 3");
  } while (!last);
  if (op !== size) throw new InflateError(`the data inflates to ${op} bytes, ${size} were declared`);
  return out;
}
