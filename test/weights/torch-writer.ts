/**
 * Writes `torch.save` files from TypeScript, opcode by opcode as Python's pickle protocol 2 does, so tests can
 * build training checkpoints (optimizer state, a yacs config with sets, schedulers) on a machine without
 * PyTorch. Zip (torch >= 1.6) and legacy containers. Independent of the reader: it shares no code with
 * src/runtime/weights beyond the HostTensor type.
 */
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";

/** A Python value. Plain JS numbers that are integers pickle as int; wrap floats in `{ float }`. */
export type Py =
  | null
  | boolean
  | number
  | string
  | Py[]
  | { float: number }
  | { tuple: Py[] }
  | { dict: [Py, Py][] }
  | { ordered: [Py, Py][] }
  | { set: Py[]; frozen?: boolean }
  | { counter: [Py, Py][] }
  | { cfg: [string, Py][]; state: Py }
  /** A tensor; `view` declares another size and stride over the same storage (an expanded or sliced view). */
  | { tensor: HostTensor; view?: { size: number[]; stride: number[] } };

const STORAGE: Partial<Record<HostTensor["dtype"], string>> = {
  f32: "FloatStorage",
  f16: "HalfStorage",
  i64: "LongStorage",
  f64: "DoubleStorage",
};

class Out {
  private chunks: number[] = [];
  byte(...b: number[]) {
    this.chunks.push(...b);
  }
  text(s: string) {
    for (const c of Buffer.from(s, "latin1")) this.chunks.push(c);
  }
  u32(n: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    this.byte(...b);
  }
  bytes() {
    return Uint8Array.from(this.chunks);
  }
}

/** The storages a pickle referenced, in order of first use, for the container to write. */
interface Storage {
  key: string;
  tensor: HostTensor;
}

function pickle(root: Py, legacy: boolean, storages: Storage[]): Uint8Array {
  const o = new Out();
  const global = (module: string, name: string) => {
    o.byte(0x63);
    o.text(`${module}\n${name}\n`);
  };
  const str = (s: string) => {
    const b = Buffer.from(s, "utf8");
    o.byte(0x58);
    o.u32(b.length);
    o.byte(...b);
  };
  const int = (n: number) => {
    if (n >= -(2 ** 31) && n < 2 ** 31) {
      o.byte(0x4a);
      const b = Buffer.alloc(4);
      b.writeInt32LE(n);
      o.byte(...b);
    } else {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt(n));
      o.byte(0x8a, 8, ...b);
    } // LONG1
  };
  const items = (kv: [Py, Py][]) => {
    if (kv.length) {
      o.byte(0x28);
      for (const [k, v] of kv) {
        value(k);
        value(v);
      }
      o.byte(0x75);
    }
  }; // MARK .. SETITEMS
  const tuple = (xs: Py[]) => {
    o.byte(0x28);
    xs.forEach(value);
    o.byte(0x74);
  };
  function value(v: Py): void {
    if (v === null) return o.byte(0x4e);
    if (v === true) return o.byte(0x88);
    if (v === false) return o.byte(0x89);
    if (typeof v === "number") return int(v);
    if (typeof v === "string") return str(v);
    if (Array.isArray(v)) {
      o.byte(0x5d);
      if (v.length) {
        o.byte(0x28);
        v.forEach(value);
        o.byte(0x65);
      }
      return;
    } // EMPTY_LIST MARK .. APPENDS
    if ("float" in v) {
      o.byte(0x47);
      const b = Buffer.alloc(8);
      b.writeDoubleBE(v.float);
      return o.byte(...b);
    }
    if ("tuple" in v) return tuple(v.tuple);
    if ("dict" in v) {
      o.byte(0x7d);
      return items(v.dict);
    }
    if ("ordered" in v) {
      global("collections", "OrderedDict");
      o.byte(0x29, 0x52);
      return items(v.ordered);
    } // () REDUCE
    // Python 3 writes builtins under their Python 2 names at protocol 2: set([..]) is __builtin__.set.
    if ("set" in v) {
      global("__builtin__", v.frozen ? "frozenset" : "set");
      value(v.set);
      return o.byte(0x85, 0x52);
    } // TUPLE1 REDUCE
    if ("counter" in v) {
      global("collections", "Counter");
      value({ dict: v.counter });
      return o.byte(0x85, 0x52);
    }
    if ("cfg" in v) {
      // A dict subclass at protocol 2: cls.__new__(cls), its items, then its __dict__ by BUILD.
      global("yacs.config", "CfgNode");
      o.byte(0x29, 0x81); // () NEWOBJ
      items(v.cfg);
      value(v.state);
      return o.byte(0x62); // BUILD
    }
    const t = v.tensor;
    const key = String(storages.length);
    storages.push({ key, tensor: t });
    const stride = v.view?.stride ?? t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, d) => a * d, 1));
    global("torch._utils", "_rebuild_tensor_v2");
    o.byte(0x28); // MARK: the argument tuple
    o.byte(0x28); // the persistent id ('storage', type, key, location, numel[, view metadata])
    str("storage");
    global("torch", STORAGE[t.dtype]!);
    str(key);
    str("cpu");
    int(t.data.length);
    if (legacy) o.byte(0x4e);
    o.byte(0x74, 0x51); // TUPLE BINPERSID
    int(0);
    tuple(v.view?.size ?? t.shape);
    tuple(stride);
    o.byte(0x89); // requires_grad
    value({ ordered: [] }); // backward hooks
    o.byte(0x74, 0x52); // TUPLE REDUCE
  }
  o.byte(0x80, 2);
  value(root);
  o.byte(0x2e);
  return o.bytes();
}

const raw = (t: HostTensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** A little-endian record: `size` zero bytes with (offset, width, value) fields written in. */
function record(size: number, fields: [number, 2 | 4, number][]): Buffer {
  const b = Buffer.alloc(size);
  for (const [at, width, v] of fields)
    if (width === 4) b.writeUInt32LE(v, at);
    else b.writeUInt16LE(v, at);
  return b;
}

/**
 * torch.save's zip: `archive/data.pkl`, `archive/data/<key>`, `archive/version`; stored, not compressed.
 * `claim` makes the directory lie about one entry's size through a ZIP64 extra field (a hostile file).
 */
export function torchSaveZip(root: Py, claim?: { entry: string; size: bigint }): Uint8Array {
  const storages: Storage[] = [];
  const pkl = pickle(root, false, storages);
  const entries: [string, Uint8Array][] = [
    ["archive/data.pkl", pkl],
    ...storages.map((s): [string, Uint8Array] => [`archive/data/${s.key}`, raw(s.tensor)]),
    ["archive/version", Buffer.from("3\n")],
  ];
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = Buffer.from(name);
    const lie = claim?.entry === name;
    const local = record(30, [
      [0, 4, 0x04034b50],
      [18, 4, data.length],
      [22, 4, data.length],
      [26, 2, n.length],
    ]);
    const dir = record(46, [
      [0, 4, 0x02014b50],
      [20, 4, lie ? 0xffffffff : data.length],
      [24, 4, lie ? 0xffffffff : data.length],
      [28, 2, n.length],
      [42, 4, offset],
    ]);
    const extra = Buffer.alloc(lie ? 20 : 0);
    if (lie) {
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(16, 2);
      extra.writeBigUInt64LE(claim!.size, 4);
      extra.writeBigUInt64LE(claim!.size, 12);
      dir.writeUInt16LE(extra.length, 30);
    }
    central.push(dir, n, extra);
    parts.push(local, n, Buffer.from(data));
    offset += 30 + n.length + data.length;
  }
  const dir = Buffer.concat(central);
  const end = record(22, [
    [0, 4, 0x06054b50],
    [8, 2, entries.length],
    [10, 2, entries.length],
    [12, 4, dir.length],
    [16, 4, offset],
  ]);
  return Buffer.concat([...parts, dir, end]);
}

/** The legacy format: magic, protocol 1001, system info, the object, its storage keys, then each storage's bytes. */
export function torchSaveLegacy(root: Py): Uint8Array {
  const storages: Storage[] = [];
  const head = (v: Py) => pickle(v, true, []);
  const magic = Buffer.from([0x80, 2, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
  const sys = head({
    dict: [
      ["protocol_version", 1001],
      ["little_endian", true],
      [
        "type_sizes",
        {
          dict: [
            ["short", 2],
            ["int", 4],
            ["long", 4],
          ],
        },
      ],
    ],
  });
  const main = pickle(root, true, storages);
  const keys = head(storages.map((s) => s.key));
  const data = storages.map((s) => {
    const n = Buffer.alloc(8);
    n.writeBigInt64LE(BigInt(s.tensor.data.length));
    return Buffer.concat([n, raw(s.tensor)]);
  });
  return Buffer.concat([magic, head(1001), sys, main, keys, ...data]);
}
