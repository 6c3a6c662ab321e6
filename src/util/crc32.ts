/**
 * Reflected CRC-32s, table-driven, in plain TS (zlib.crc32 needs Node 20.15, and the weights loaders also run in
 * the playground): IEEE's polynomial, what zip and PNG store, and Castagnoli's (CRC-32C), what TFRecord files
 * (TensorBoard's event files) store.
 */
function tableOf(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

function crcWith(table: Uint32Array): (bytes: Uint8Array, start?: number, end?: number) => number {
  return (bytes, start = 0, end = bytes.length) => {
    let c = 0xffffffff;
    for (let i = start; i < end; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
}

/** CRC-32 (IEEE 802.3, polynomial 0xEDB88320 reflected). */
export const crc32 = crcWith(tableOf(0xedb88320));

/** CRC-32C (Castagnoli, polynomial 0x82F63B78 reflected). */
export const crc32c = crcWith(tableOf(0x82f63b78));
