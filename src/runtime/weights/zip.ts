/**
 * Reads the entries of a zip archive as torch.save writes it: stored (uncompressed) entries,
 * ZIP64 records when the archive or an entry passes 4 GB. The central directory is the truth;
 * local headers are read only to find where each entry's data starts (torch pads them to 64 bytes).
 */
import { fail } from "../../compiler/diagnostics/diagnostic.ts";

const EOCD = 0x06054b50, ZIP64_LOCATOR = 0x07064b50, ZIP64_EOCD = 0x06064b50, CENTRAL = 0x02014b50, LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;

export function readZip(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const truncated = (why: string): never => fail("truncated", file, why);
  const u64 = (at: number) => Number(view.getBigUint64(at, true));

  // The end record sits in the last 22 bytes plus an optional comment of up to 64 KB.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD) { eocd = at; break; }
  }
  if (eocd < 0) truncated(`no zip end-of-central-directory record in its last bytes (${bytes.length} bytes in all)`);

  let count = view.getUint16(eocd + 10, true);
  let dirSize = view.getUint32(eocd + 12, true);
  let dirOffset = view.getUint32(eocd + 16, true);
  if ((count === 0xffff || dirSize === MAX32 || dirOffset === MAX32) && eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR) {
    const rec = u64(eocd - 20 + 8);
    if (rec + 56 > bytes.length || view.getUint32(rec, true) !== ZIP64_EOCD) fail("corrupt", file, "the ZIP64 end record is missing");
    count = u64(rec + 32);
    dirSize = u64(rec + 40);
    dirOffset = u64(rec + 48);
  }
  if (dirOffset + dirSize > bytes.length) truncated(`the zip directory (bytes ${dirOffset}..${dirOffset + dirSize}) lies past the end of the file`);

  const names = new TextDecoder("utf-8");
  const entries = new Map<string, Uint8Array>();
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL) fail("corrupt", file, `zip directory entry ${i} is damaged`);
    const method = view.getUint16(at + 10, true);
    let compressed = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLen = view.getUint16(at + 28, true), extraLen = view.getUint16(at + 30, true), commentLen = view.getUint16(at + 32, true);
    let local = view.getUint32(at + 42, true);
    const name = names.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    // ZIP64 extended information: only the fields saturated in the fixed record are present, in this order.
    // A damaged length can point the extra field past the file: read only what is inside both.
    for (let x = at + 46 + nameLen, end = Math.min(x + extraLen, bytes.length); x + 4 <= end; ) {
      const id = view.getUint16(x, true), len = view.getUint16(x + 2, true);
      if (id === 0x0001) {
        let f = x + 4;
        const field = () => (f + 8 <= end ? u64(f) : fail("corrupt", file, `zip entry \`${name}\`: the ZIP64 extra field is cut short`));
        if (size === MAX32) (size = field()), (f += 8);
        if (compressed === MAX32) (compressed = field()), (f += 8);
        if (local === MAX32) local = field();
      }
      x += 4 + len;
    }
    if (method !== 0) fail("unknown_format", file, `zip entry \`${name}\` is compressed (method ${method}); torch.save writes stored entries only`);
    if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL) truncated(`zip entry \`${name}\` points past the end of the file`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + size > bytes.length) truncated(`zip entry \`${name}\` needs bytes ${start}..${start + size}, the file has ${bytes.length}`);
    entries.set(name, bytes.subarray(start, start + size));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}
