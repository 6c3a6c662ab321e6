/**
 * The text-cache key stands for the checkpoint file by a digest memoised on the file's identity: the same
 * file gives the same key (from the sidecar index the second time), and a changed text-tower weight gives
 * another key even when the size and the mtime are put back as they were. The key from the digest also
 * differs from the key of the same values hashed one by one, so the two kinds never share an entry.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  copyFileSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeSync,
  closeSync,
} from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { splitByInputs } from "../../src/runtime/run/split.ts";
import { checkpointDigest, textCacheKey } from "../../src/runtime/run/text-cache.ts";
import { loadCheckpoint } from "../../src/runtime/weights/load.ts";
import { toFloat32 } from "../../src/runtime/weights/tensor.ts";
import { compileWith, FIXTURES } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "mdl-text-key-"));
const cacheDir = join(dir, "cache");
const file = join(dir, "weights.safetensors");
copyFileSync(`${FIXTURES}/xclip-tiny-e64/weights.safetensors`, file);
const { ir } = compileWith("models/xclip.mdl", file);
const { fixed } = splitByInputs(ir, ["video"]);
const ids = Int32Array.from({ length: 2 * 77 }, (_, i) => i % 77);

function keyOf(path: string, byFile = true): string {
  const ckpt = loadCheckpoint(path);
  const data = (p: string) => {
    const t = ckpt.tensors.get(p);
    return t ? toFloat32(t) : "init";
  };
  const fromFile = byFile ? { digest: checkpointDigest(ckpt), loaded: new Set(ckpt.tensors.keys()) } : undefined;
  return textCacheKey(fixed, data, ids, 2, fromFile);
}

/** Byte offset in the file of the first element of a tensor the text half reads. */
function textWeightOffset(): number {
  const bytes = readFileSync(file);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8")) as Record<
    string,
    { data_offsets?: [number, number] }
  >;
  const used = fixed.graph.nodes.filter((x) => x.op === "param").map((x) => x.attrs.path as string);
  const name = used.find((p) => header[p]?.data_offsets);
  assert.ok(name, "the text half reads a tensor of the file");
  return 8 + n + header[name!].data_offsets![0];
}

test("same file: same key, memoised in the sidecar index; a changed text weight: another key", () => {
  // set here, not at import: uvu loads every test file of a run before running any
  const saved = process.env.MDL_CACHE_DIR;
  process.env.MDL_CACHE_DIR = cacheDir;
  try {
    sameFileAndChangedWeight();
  } finally {
    if (saved === undefined) delete process.env.MDL_CACHE_DIR;
    else process.env.MDL_CACHE_DIR = saved;
  }
});

function sameFileAndChangedWeight(): void {
  // a whole-second mtime, so that it can be put back exactly after the edit below
  utimesSync(file, 1_700_000_000, 1_700_000_000);
  const a = keyOf(file);
  assert.ok(checkpointDigest(loadCheckpoint(file)), "a file read whole has a digest");
  assert.equal(
    readdirSync(join(cacheDir, "files")),
    [`${createHash("sha1").update(realpathSync(file)).digest("hex")}.json`],
    "one index entry, the file's",
  );
  assert.is(keyOf(file), a);
  assert.is.not(keyOf(file, false), a, "a key from the values is another kind of key");

  // one float of a text-tower weight changed in place; size and mtime put back as they were
  const before = statSync(file, { bigint: true });
  const at = textWeightOffset();
  const fd = openSync(file, "r+");
  const old = Buffer.alloc(4);
  readFileSync(file).copy(old, 0, at, at + 4);
  writeSync(fd, Buffer.from(new Float32Array([old.readFloatLE(0) + 1]).buffer), 0, 4, at);
  closeSync(fd);
  utimesSync(file, 1_700_000_000, 1_700_000_000);
  const after = statSync(file, { bigint: true });
  assert.is(after.size, before.size);
  assert.is(after.mtimeNs, before.mtimeNs, "the mtime is back as it was");
  const b = keyOf(file);
  assert.is.not(b, a, "a changed weight never reuses the old key");

  // the same bytes under a new inode (an atomic rewrite): hashed again, the same key as before
  const copy = join(dir, "copy.safetensors");
  copyFileSync(file, copy);
  renameSync(copy, file);
  assert.is(keyOf(file), b);
}

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
