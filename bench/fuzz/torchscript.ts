/**
 * The weights campaign's TorchScript mutants (bench/fuzz/weights.ts gives them every fifth seed): torch.jit.save
 * archives as torch wrote them (stored storages, deflated code/) and rezipped with every entry deflated, the
 * hostile ones, and a traced nn.Linear small enough that an edit often lands on structure. Each seed breaks one
 * thing: bytes anywhere, the zip directory, data.pkl's opcodes, a truncation, a deflate bomb in place of an
 * entry (declared at its true size, the old size, tiny, or huge), a deflated entry's declared sizes, the
 * `__parameters__` text in code/, or data.pkl replaced by a hostile or degenerate pickle.
 */
import { readFileSync } from "node:fs";
import { crc32, deflateRawSync } from "node:zlib";
import { below, mutateBytes, pick, rng } from "../../test/helpers/mutate.ts";
import { classGlobal, nestedModules, sharedModules } from "../../test/weights/torchscript-pickles.ts";
import { entriesOf, writeZip, type ZipEntry } from "../../test/weights/zip-writer.ts";

const FILES = [
  "test/fixtures/clip-tiny/openai-jit.pt",
  "test/fixtures/clip-tiny/openai-jit-fp16.pt",
  "test/weights/fixtures/ts-linear.pt",
  "test/weights/fixtures/ts-evil-os-system.pt",
  "test/weights/fixtures/ts-torch-reduce.pt",
  "test/weights/fixtures/ts-evil-constants.pt",
];
const asTorchWrote = FILES.map((file) => ({ file, entries: entriesOf(readFileSync(file)) }));
const allDeflated = asTorchWrote.slice(0, 3).map(({ file, entries }) => ({
  file: file.replace(/\.pt$/, "-deflated.pt"),
  entries: entries.map((e) => ({ ...e, deflate: true })),
}));
const bases = [...asTorchWrote, ...allDeflated].map((b) => ({
  ...b,
  bytes: b.file.endsWith("-deflated.pt") ? writeZip(b.entries) : new Uint8Array(readFileSync(b.file)),
}));

/** `size` zero bytes deflated, made once per size. */
const bombs = new Map<number, { body: Uint8Array; crc: number }>();
function bomb(size: number): { body: Uint8Array; crc: number } {
  let b = bombs.get(size);
  if (!b) {
    const zeros = new Uint8Array(size);
    bombs.set(size, (b = { body: deflateRawSync(zeros, { level: 9 }), crc: crc32(zeros) }));
  }
  return b;
}

const touch = Buffer.from("touch /tmp/mdl-pickle-executed");
const str = (s: Buffer) => Buffer.concat([Buffer.from([0x58, s.length, 0, 0, 0]), s]);

/** data.pkl replaced: a global outside the allow-list, a TorchScript class called or built with arguments, a degenerate tree. */
function hostilePickle(rand: () => number, cls: Uint8Array): Uint8Array {
  const head = Buffer.from([0x80, 2]);
  switch (below(rand, 6)) {
    case 0:
      return Buffer.concat([
        head,
        Buffer.from(
          pick(rand, ["cposix\nsystem\n", "cbuiltins\neval\n", "c__builtin__\ngetattr\n", "csubprocess\ncall\n"]),
        ),
        str(touch),
        Buffer.from([0x85, 0x52, 0x2e]),
      ]);
    case 1:
      return Buffer.concat([head, Buffer.from(cls), str(touch), Buffer.from([0x85, 0x52, 0x2e])]); // __torch__ class REDUCE
    case 2:
      return Buffer.concat([head, Buffer.from(cls), str(touch), Buffer.from([0x85, 0x81, 0x2e])]); // NEWOBJ with an argument
    case 3:
      return nestedModules(cls, pick(rand, [2, 999, 1000, 1001, 5000]));
    case 4:
      return sharedModules(cls, pick(rand, [2, 10, 20, 40]));
    default:
      return Buffer.concat([
        head,
        Buffer.from(`c__torch__.${pick(rand, ["os", "a.b", "x y", "..", "1x"])}\n${pick(rand, ["system", "C", ""])}\n`),
        Buffer.from([0x29, 0x81, 0x2e]),
      ]);
  }
}

/** `__parameters__` / `__buffers__` lines rewritten: names dropped, added, unquoted, or the line gone. */
function editCode(e: ZipEntry, rand: () => number): ZipEntry {
  const text = Buffer.from(e.data).toString("latin1");
  const edits: [RegExp, string][] = [
    [/"[^"]*", /, ""],
    [/\[/, '["ghost", '],
    [/"/g, ""],
    [/\n\s*__buffers__[^\n]*/, ""],
    [/\n\s*__parameters__[^\n]*/, ""],
    [/__parameters__ = \[/, '__parameters__ = ["training", '],
    [/class (\w+)\(/, "class Not$1("],
    [/\]/, ""],
  ];
  const [from, to] = pick(rand, edits);
  return { ...e, data: Buffer.from(text.replace(from, to), "latin1") };
}

export function torchScriptMutant(seed: number): { file: string; bytes: Uint8Array } {
  const rand = rng(seed);
  const base = pick(rand, bases);
  const { file, bytes: b, entries } = base;
  const rezip = (edit: (e: ZipEntry) => ZipEntry) => ({ file, bytes: writeZip(entries.map(edit)) });
  const pkl = entries.find((e) => e.name.endsWith("/data.pkl"))!;
  switch (below(rand, 8)) {
    case 0:
      return { file, bytes: mutateBytes(b, rand, 0, b.length, 1 + below(rand, 24)) };
    case 1: {
      // the zip directory and end record
      const dir = new DataView(b.buffer, b.byteOffset).getUint32(b.length - 22 + 16, true);
      return { file, bytes: mutateBytes(b, rand, Math.min(dir, b.length - 1), b.length) };
    }
    case 2: {
      // data.pkl's opcodes, where torch stored it
      const at = Buffer.from(b).indexOf(pkl.name) + pkl.name.length;
      return { file, bytes: mutateBytes(b, rand, at, Math.min(b.length, at + pkl.data.length)) };
    }
    case 3:
      return { file, bytes: b.subarray(0, below(rand, b.length)) };
    case 4: {
      // a bomb in place of one entry that is read
      const target = pick(
        rand,
        entries.filter((e) => /\/(data|constants)\.pkl$|\/code\/.*\.py$/.test(e.name)),
      );
      const size = pick(rand, [1 << 20, 16 << 20, 64 << 20]);
      const deflated = bomb(size);
      const declare = pick(rand, [size, target.data.length, 0, 1, 2 ** 32 - 2, deflated.body.length * 1032]);
      return rezip((e) => (e === target ? { name: e.name, data: new Uint8Array(0), declare, deflated } : e));
    }
    case 5: {
      // a deflated entry's declared inflated size
      const target = pick(
        rand,
        entries.filter((e) => e.deflate),
      );
      const declare = pick(rand, [
        0,
        1,
        target.data.length - 1,
        target.data.length + 1,
        2 ** 31,
        2 ** 32 - 2,
        below(rand, 1 << 20),
      ]);
      return rezip((e) => (e === target ? { ...e, declare } : e));
    }
    case 6: {
      // code/'s parameter and buffer lists
      const code = entries.filter((e) => /\/code\/.*\.py$/.test(e.name));
      const target = pick(rand, code);
      return rezip((e) => (e === target ? editCode(e, rand) : e));
    }
    default:
      return rezip((e) => (e === pkl ? { ...e, data: hostilePickle(rand, classGlobal(pkl.data)) } : e));
  }
}
