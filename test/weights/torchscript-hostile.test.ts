/**
 * TorchScript archives that must be refused, each with a catalogued error naming the file (and the entry), and
 * nothing run: hostile pickles (make-torchscript.py writes them with Python's pickle around a traced module),
 * deflate bombs, truncation, a broken directory, garbage in code/. Also what must still load when torch's
 * archive is zipped differently (every entry deflated, another top folder).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MdlError } from "../../src/compiler/diagnostics/diagnostic.ts";
import { decodeCheckpoint } from "../../src/runtime/weights/checkpoint.ts";
import { loadCheckpoint } from "../../src/runtime/weights/load.ts";
import { FIXTURES, LOCAL, assertSameTensors, expectMdlError } from "./helpers.ts";
import { classGlobal, nestedModules, sharedModules } from "./torchscript-pickles.ts";
import { entriesOf, writeZip, type ZipEntry } from "./zip-writer.ts";

const MARKER = "/tmp/mdl-pickle-executed";
const JIT = `${FIXTURES}/clip-tiny/openai-jit.pt`;
const LINEAR = `${LOCAL}/ts-linear.pt`;
const CODE = /\/code\/__torch__\/torch\/nn\/modules\/linear\/___torch_mangle_\d+\.py$/;

const CASES: [string, string, RegExp][] = [
  ["ts-evil-os-system.pt", "MDL505", /`posix\.system`.*nothing was executed/],
  ["ts-evil-eval.pt", "MDL505", /`builtins\.eval`/],
  ["ts-evil-constants.pt", "MDL505", /`posix\.system`/],
  [
    "ts-torch-reduce.pt",
    "MDL504",
    /`__torch__\.torch\.nn\.modules\.linear\.___torch_mangle_\d+\.Linear` cannot be called/,
  ],
  [
    "ts-torch-global-in-pth.pt",
    "MDL505",
    /the pickle references `__torch__\.torch\.nn\.modules\.linear\.___torch_mangle_\d+\.Linear`/,
  ],
  ["ts-cycle.pt", "MDL504", /the module tree has a cycle: module `self` contains itself/],
  [
    "ts-garbage-code.pt",
    "MDL504",
    /`archive\/code\/__torch__\/torch\/nn\/modules\/linear\/___torch_mangle_\d+\.py` does not define class `Linear`, which data\.pkl uses/,
  ],
  [
    "ts-bomb-declared-small.pt",
    "MDL504",
    /zip entry `archive\/data\.pkl` does not inflate: the data inflates past the \d+ bytes declared for it/,
  ],
  [
    "ts-bomb-declared-huge.pt",
    "MDL504",
    /zip entry `archive\/data\.pkl` declares 4294967294 bytes from \d+ deflated ones, more than deflate can produce/,
  ],
];

test("hostile and broken TorchScript archives: each refused with its catalogued error, nothing executed, no bomb inflated", () => {
  rmSync(MARKER, { force: true });
  for (const [name, code, re] of CASES) {
    const path = `${LOCAL}/${name}`;
    const before = process.memoryUsage().arrayBuffers;
    assert.match(
      expectMdlError(() => loadCheckpoint(path), code, path),
      re,
    );
    assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20, `${name}: allocated`);
  }
  assert.not.ok(existsSync(MARKER), `${MARKER} appeared`);
});

test("mdl predict on a hostile archive and on a bomb: one catalogued error, exit code 2, no stack trace", () => {
  for (const [name, code] of [
    ["ts-evil-os-system.pt", "MDL505"],
    ["ts-bomb-declared-small.pt", "MDL504"],
  ]) {
    const file = `${LOCAL}/${name}`;
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "src/cli/main.ts",
        "predict",
        "models/clip.mdl",
        "--weights",
        file,
        "--inputs",
        `${FIXTURES}/clip-tiny/io.safetensors`,
        "--out",
        join(tmpdir(), "mdl-ts-hostile-out.safetensors"),
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    assert.is(r.status, 2, r.stderr);
    assert.is(r.stderr.split("\n").filter((l) => /error MDL/.test(l)).length, 1, r.stderr);
    assert.ok(r.stderr.startsWith(`${file}: error ${code}:`), r.stderr);
    assert.not.match(r.stderr, /\n\s+at /);
  }
  assert.not.ok(existsSync(MARKER));
});

test("a truncated archive is refused at every length, with a catalogued error", () => {
  const bytes = readFileSync(JIT);
  assert.match(
    expectMdlError(() => decodeCheckpoint(bytes.subarray(0, bytes.length >> 1), JIT), "MDL503", JIT),
    /no zip end-of-central-directory record/,
  );
  for (let k = 1; k < 64; k++) {
    const cut = bytes.subarray(0, Math.floor((bytes.length * k) / 64));
    try {
      decodeCheckpoint(cut, JIT);
      assert.unreachable(`${cut.length} bytes loaded`);
    } catch (err) {
      assert.instance(err, MdlError, `${cut.length} bytes: ${String(err)}`);
      assert.ok(["MDL502", "MDL503", "MDL504"].includes((err as MdlError).diagnostic.code), (err as Error).message);
    }
  }
});

/** torch's archive with `edit` applied to its entries, rezipped by node. */
const rezip = (path: string, edit: (e: ZipEntry) => ZipEntry | undefined) =>
  writeZip(entriesOf(readFileSync(path)).flatMap((e) => edit(e) ?? []));
const text = (e: ZipEntry, from: RegExp, to: string): ZipEntry => ({
  ...e,
  data: Buffer.from(Buffer.from(e.data).toString().replace(from, to)),
});

test("torch's archive zipped otherwise still loads: every entry deflated (storages too), another top folder", () => {
  const want = loadCheckpoint(JIT).tensors;
  const deflated = decodeCheckpoint(
    rezip(JIT, (e) => ({ ...e, deflate: true })),
    "deflated.pt",
  );
  assert.is(deflated.format, "torchscript");
  assertSameTensors(deflated.tensors, want, "all deflated");
  const renamed = decodeCheckpoint(
    rezip(JIT, (e) => ({ ...e, name: e.name.replace(/^openai-jit\//, "ViT-B-32/") })),
    "ViT-B-32.pt",
  );
  assertSameTensors(renamed.tensors, want, "folder ViT-B-32/");
});

test("code/ that does not say what a module holds: refused, naming the entry", () => {
  const cases: [(e: ZipEntry) => ZipEntry, RegExp][] = [
    [
      (e) => text(e, /__parameters__ = \["weight", "bias", \]/, "__parameters__ = [weight, bias]"),
      /`__parameters__` of class `Linear` is not a list of names: \[weight, bias\]/,
    ],
    [(e) => text(e, /\n\s*__buffers__ = \[\]/, ""), /class `Linear` lists its parameters but not its buffers/],
    [(e) => text(e, /"bias"/, '"training"'), /parameter `training` is a boolean, not a tensor/],
    [(e) => text(e, /"bias"/, '"gone"'), /lists parameter `gone`, but the top module has no such attribute/],
  ];
  for (const [edit, re] of cases) {
    const bytes = rezip(LINEAR, (e) => (CODE.test(e.name) ? edit(e) : e));
    assert.match(
      expectMdlError(() => decodeCheckpoint(bytes, "edited.pt"), "MDL504", "edited.pt"),
      re,
    );
  }
  const without = rezip(LINEAR, (e) => (CODE.test(e.name) ? undefined : e));
  assert.match(
    expectMdlError(() => decodeCheckpoint(without, "no-code.pt"), "MDL504", "no-code.pt"),
    /data\.pkl has an object of class `__torch__\.[\w.]+\.Linear`, but `archive\/code\/__torch__\/[\w/]+\.py` is not in the archive/,
  );
});

test("module trees no torch writes are bounded: 2000 levels deep, and one submodule shared twice at each of 40 levels", () => {
  const cls = classGlobal(entriesOf(readFileSync(LINEAR)).find((e) => e.name.endsWith("/data.pkl"))!.data);
  const withPkl = (pkl: Uint8Array) => rezip(LINEAR, (e) => (e.name.endsWith("/data.pkl") ? { ...e, data: pkl } : e));
  // The same trees, small, load: they have no parameters set.
  assert.equal(decodeCheckpoint(withPkl(nestedModules(cls, 10)), "nested.pt").tensors.size, 0);
  assert.equal(decodeCheckpoint(withPkl(sharedModules(cls, 4)), "shared.pt").tensors.size, 0);
  assert.match(
    expectMdlError(() => decodeCheckpoint(withPkl(nestedModules(cls, 2000)), "deep.pt"), "MDL504", "deep.pt"),
    /the module tree is more than 1000 levels deep at module `m(\.m){32}/,
  );
  const t = performance.now();
  assert.match(
    expectMdlError(() => decodeCheckpoint(withPkl(sharedModules(cls, 40)), "wide.pt"), "MDL504", "wide.pt"),
    /the module tree repeats itself past 2000000 modules and attributes/,
  );
  assert.ok(performance.now() - t < 20_000, "bounded in time");
});

test("zip directory lies: a wrong CRC-32, an unknown compression method, an encrypted entry", () => {
  const entries = entriesOf(readFileSync(LINEAR));
  const code = entries.find((e) => CODE.test(e.name))!;
  const bytes = writeZip(entries);
  // The code entry's central record: its name, searched from where the end record says the directory starts.
  const dir = Buffer.from(bytes).indexOf(code.name, Buffer.from(bytes).readUInt32LE(bytes.length - 22 + 16)) - 46;
  const patch = (offset: number, write: (b: Buffer) => void) => {
    const b = Buffer.from(bytes);
    write(b.subarray(dir + offset));
    return b;
  };
  const crc = patch(16, (b) => b.writeUInt32LE((b.readUInt32LE(0) ^ 1) >>> 0, 0));
  assert.match(
    expectMdlError(() => decodeCheckpoint(crc, "crc.pt"), "MDL504", "crc.pt"),
    /zip entry `archive\/code\/[\w/]+\.py` inflates to data whose CRC-32 is 0x[0-9a-f]{8}, the directory says 0x[0-9a-f]{8}/,
  );
  const method = patch(10, (b) => b.writeUInt16LE(12, 0));
  assert.match(
    expectMdlError(() => decodeCheckpoint(method, "bzip2.pt"), "MDL502", "bzip2.pt"),
    /is compressed with method 12; mdl reads stored and deflated \(8\) entries/,
  );
  const encrypted = patch(8, (b) => b.writeUInt16LE(1, 0));
  assert.match(
    expectMdlError(() => decodeCheckpoint(encrypted, "locked.pt"), "MDL502", "locked.pt"),
    /is encrypted/,
  );
});

test.run();
