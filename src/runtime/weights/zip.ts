/**
 * Reads the entries of a zip archive as torch.save and torch.jit.save write it: stored entries (tensor
 * storages, read in place, never copied), deflated ones (torch.jit.save's code/), ZIP64 records when the
 * archive or an entry passes 4 GB. The central directory is the truth; local headers are read only to find
 * where each entry's data starts (torch pads them to 64 bytes). A deflated entry is inflated when it is
 * first read, into exactly the size its directory entry declares, and checked against its CRC-32.
 */
import { MdlError, fail } from "../../compiler/diagnostics/diagnostic.ts";
import { crc32 } from "../../util/crc32.ts";
import { InflateError, inflateRaw } from "./inflate.ts";

const EOCD = 0x06054b50,
  ZIP64_LOCATOR = 0x07064b50,
  ZIP64_EOCD = 0x06064b50,
  CENTRAL = 0x02014b50,
  LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;
/** DEFLATE's best case is a 258-byte match per 2 bits, about 1032:1; a declared size past that is a lie. */
const MAX_RATIO = 1032;

interface Entry {
  data: Uint8Array;
  method: number;
  size: number;
  crc: number;
}

/** The entries of an archive by name; a deflated one is inflated (and checked) on first read. */
export class ZipEntries {
  private readonly inflated = new Map<string, Uint8Array>();
  constructor(
    private readonly file: string,
    private readonly entries: Map<string, Entry>,
  ) {}

  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  get(name: string): Uint8Array | undefined {
    const e = this.entries.get(name);
    if (!e || e.method === 0) return e?.data;
    let out = this.inflated.get(name);
    if (!out) {
      out = inflateEntry(e, name, this.file);
      this.inflated.set(name, out);
    }
    return out;
  }
}

function inflateEntry(e: Entry, name: string, file: string): Uint8Array {
  let out: Uint8Array;
  try {
    out = inflateRaw(e.data, e.size);
  } catch (err) {
    if (err instanceof MdlError || !(err instanceof InflateError || err instanceof RangeError)) throw err;
    fail("corrupt", file, `zip entry \`${name}\` does not inflate: ${err.message}`);
  }
  const crc = crc32(out);
  if (crc !== e.crc)
    fail(
      "corrupt",
      file,
      `zip entry \`${name}\` inflates to data whose CRC-32 is ${hex(crc)}, the directory says ${hex(e.crc)}`,
    );
  return out;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

export function readZip(bytes: Uint8Array, file: string): ZipEntries {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const truncated = (why: string): never => fail("truncated", file, why);
  const u64 = (at: number) => Number(view.getBigUint64(at, true));

  // The end record sits in the last 22 bytes plus an optional comment of up to 64 KB.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) truncated(`no zip end-of-central-directory record in its last bytes (${bytes.length} bytes in all)`);

  let count = view.getUint16(eocd + 10, true);
  let dirSize = view.getUint32(eocd + 12, true);
  let dirOffset = view.getUint32(eocd + 16, true);
  if (
    (count === 0xffff || dirSize === MAX32 || dirOffset === MAX32) &&
    eocd >= 20 &&
    view.getUint32(eocd - 20, true) === ZIP64_LOCATOR
  ) {
    const rec = u64(eocd - 20 + 8);
    if (rec + 56 > bytes.length || view.getUint32(rec, true) !== ZIP64_EOCD)
      fail("corrupt", file, "the ZIP64 end record is missing");
    count = u64(rec + 32);
    dirSize = u64(rec + 40);
    dirOffset = u64(rec + 48);
  }
  if (dirOffset + dirSize > bytes.length)
    truncated(`the zip directory (bytes ${dirOffset}..${dirOffset + dirSize}) lies past the end of the file`);

  const names = new TextDecoder("utf-8");
  const entries = new Map<string, Entry>();
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL)
      fail("corrupt", file, `zip directory entry ${i} is damaged`);
    const flags = view.getUint16(at + 8, true),
      method = view.getUint16(at + 10, true),
      crc = view.getUint32(at + 16, true);
    let compressed = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLen = view.getUint16(at + 28, true),
      extraLen = view.getUint16(at + 30, true),
      commentLen = view.getUint16(at + 32, true);
    let local = view.getUint32(at + 42, true);
    const name = names.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    // ZIP64 extended information: only the fields saturated in the fixed record are present, in this order.
    // A damaged length can point the extra field past the file: read only what is inside both.
    for (let x = at + 46 + nameLen, end = Math.min(x + extraLen, bytes.length); x + 4 <= end;) {
      const id = view.getUint16(x, true),
        len = view.getUint16(x + 2, true);
      if (id === 0x0001) {
        let f = x + 4;
        const field = () =>
          f + 8 <= end ? u64(f) : fail("corrupt", file, `zip entry \`${name}\`: the ZIP64 extra field is cut short`);
        if (size === MAX32) ((size = field()), (f += 8));
        if (compressed === MAX32) ((compressed = field()), (f += 8));
        if (local === MAX32) local = field();
      }
      x += 4 + len;
    }
    if (flags & 1) fail("unknown_format", file, `zip entry \`${name}\` is encrypted`);
    if (method !== 0 && method !== 8)
      fail(
        "unknown_format",
        file,
        `zip entry \`${name}\` is compressed with method ${method}; mdl reads stored and deflated (8) entries`,
      );
    if (method === 8 && size > compressed * MAX_RATIO + MAX_RATIO)
      fail(
        "corrupt",
        file,
        `zip entry \`${name}\` declares ${size} bytes from ${compressed} deflated ones, more than deflate can produce (a deflate bomb)`,
      );
    if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL)
      truncated(`zip entry \`${name}\` points past the end of the file`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const stored = method === 0 ? size : compressed;
    if (start + stored > bytes.length)
      truncated(`zip entry \`${name}\` needs bytes ${start}..${start + stored}, the file has ${bytes.length}`);
    entries.set(name, { data: bytes.subarray(start, start + stored), method, size, crc });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return new ZipEntries(file, entries);
}
