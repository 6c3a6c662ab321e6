/**
 * A zip writer for tests and the fuzz campaign: stored or deflated (node:zlib) entries, and an optional lie about
 * an entry's inflated size, to rebuild torch's archives with one thing changed. Independent of the reader
 * (src/runtime/weights/zip.ts); `entriesOf` lists an archive with node's own CRC and inflate, not with ours.
 */
import { crc32, deflateRawSync, inflateRawSync } from "node:zlib";

export interface ZipEntry {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** The inflated size the directory declares, when it must lie. */
  declare?: number;
  /** `data` already deflated, with its CRC-32 (a bomb made once, written many times). */
  deflated?: { body: Uint8Array; crc: number };
}

export function writeZip(entries: ZipEntry[]): Uint8Array {
  const parts: Buffer[] = [],
    central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = e.deflated ? Buffer.from(e.deflated.body) : e.deflate ? deflateRawSync(e.data) : Buffer.from(e.data);
    const crc = e.deflated?.crc ?? crc32(e.data);
    const size = e.declare ?? e.data.length;
    const head = (sig: number, len: number) => {
      const b = Buffer.alloc(len);
      b.writeUInt32LE(sig, 0);
      const at = len === 46 ? 10 : 8; // method's place in the central and the local record
      b.writeUInt16LE(e.deflate || e.deflated ? 8 : 0, at);
      b.writeUInt32LE(crc, at + 6);
      b.writeUInt32LE(body.length, at + 10);
      b.writeUInt32LE(size, at + 14);
      b.writeUInt16LE(name.length, at + 18);
      return b;
    };
    const dir = head(0x02014b50, 46);
    dir.writeUInt32LE(offset, 42);
    central.push(dir, name);
    parts.push(head(0x04034b50, 30), name, body);
    offset += 30 + name.length + body.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, dir, end]);
}

/** The entries of a (non-ZIP64) archive, inflated by node, and whether each was deflated. */
export function entriesOf(bytes: Uint8Array): ZipEntry[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const eocd = b.lastIndexOf(Buffer.from([0x50, 0x4b, 5, 6]));
  const out: ZipEntry[] = [];
  for (let i = 0, at = b.readUInt32LE(eocd + 16); i < b.readUInt16LE(eocd + 10); i++) {
    const method = b.readUInt16LE(at + 10),
      csize = b.readUInt32LE(at + 20),
      nlen = b.readUInt16LE(at + 28);
    const name = b.subarray(at + 46, at + 46 + nlen).toString();
    const local = b.readUInt32LE(at + 42);
    const start = local + 30 + b.readUInt16LE(local + 26) + b.readUInt16LE(local + 28);
    const body = b.subarray(start, start + csize);
    out.push({ name, data: method === 8 ? inflateRawSync(body) : body, deflate: method === 8 });
    at += 46 + nlen + b.readUInt16LE(at + 30) + b.readUInt16LE(at + 32);
  }
  return out;
}
