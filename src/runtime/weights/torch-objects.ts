/**
 * The PyTorch objects a checkpoint pickle may build: the allow-list of globals, storages and tensors.
 * Tensors stay references (storage, offset, size, stride) until the state dict is known, so
 * optimizer state in a training checkpoint is never copied, and legacy files, whose storage bytes
 * come after the pickle, work the same way as zip files.
 */
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { PyDict, PyGlobal, PyObject, type GlobalBuilder } from "./pickle.ts";
import {
  BYTES_PER_ELEMENT,
  allocTyped,
  formatShape,
  numel,
  typedFromBytes,
  type HostDType,
  type HostTensor,
} from "./tensor.ts";

export class StorageType {
  constructor(
    readonly name: string,
    readonly dtype: HostDType | undefined,
  ) {}
}

/** A storage: raw little-endian bytes, known at once (zip) or filled in after the pickle (legacy). */
export class StorageRef {
  bytes?: Uint8Array;
  constructor(
    readonly key: string,
    readonly type: StorageType,
    readonly numel: number,
  ) {}
}

export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}

const STORAGES: Record<string, HostDType | undefined> = {
  FloatStorage: "f32",
  DoubleStorage: "f64",
  HalfStorage: "f16",
  BFloat16Storage: "bf16",
  LongStorage: "i64",
  IntStorage: "i32",
  ShortStorage: "i16",
  CharStorage: "i8",
  ByteStorage: "u8",
  BoolStorage: "bool",
  // Known types mdl cannot hold: referencing them is fine, building a tensor from them is refused.
  ComplexFloatStorage: undefined,
  ComplexDoubleStorage: undefined,
  QInt8Storage: undefined,
  QUInt8Storage: undefined,
  QInt32Storage: undefined,
};

const STORAGE_TYPES = new Map(
  Object.entries(STORAGES).map(([name, dtype]) => [`torch.${name}`, new StorageType(name, dtype)]),
);

const marker = (value: unknown): GlobalBuilder => ({ call: () => value, construct: () => value });
/** set(iterable) / frozenset(iterable): kept as a list of its items (nothing reads them). */
const collection: GlobalBuilder = {
  call: (args) => {
    if (args.length > 1 || (args.length === 1 && !Array.isArray(args[0])))
      throw new TypeError("expected one list of items");
    return args.length ? [...(args[0] as unknown[])] : [];
  },
};
const inert = (cls: string): GlobalBuilder => ({
  call: (args) => new PyObject(cls, args),
  construct: (args) => new PyObject(cls, args),
});

function rebuildTensor(args: unknown[]): TensorRef {
  const [storage, offset, size, stride] = args;
  const ints = (x: unknown): x is number[] =>
    Array.isArray(x) && x.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0);
  if (
    !(storage instanceof StorageRef) ||
    typeof offset !== "number" ||
    !ints(size) ||
    !ints(stride) ||
    size.length !== stride.length
  )
    throw new TypeError("_rebuild_tensor: expected (storage, offset, size, stride)");
  return new TensorRef(storage, offset, size, stride);
}

/** Every global a state dict (or the training checkpoint around it) needs; everything else is refused. */
export const TORCH_GLOBALS: ReadonlyMap<string, GlobalBuilder> = new Map<string, GlobalBuilder>([
  [
    "collections.OrderedDict",
    {
      call: (args) => {
        const d = new PyDict();
        if (Array.isArray(args[0]))
          for (const kv of args[0]) if (Array.isArray(kv) && kv.length === 2) d.map.set(kv[0], kv[1]);
        return d;
      },
      construct: () => new PyDict(),
    },
  ],
  ["torch._utils._rebuild_tensor_v2", { call: rebuildTensor }],
  ["torch._utils._rebuild_tensor", { call: rebuildTensor }],
  ["torch._utils._rebuild_parameter", { call: (args) => args[0] }],
  ["torch._utils._rebuild_parameter_with_state", { call: (args) => args[0] }],
  // A Tensor or Parameter subclass wrapper: (func, type, args, state) -> func(*args), where func is itself allowed.
  [
    "torch._tensor._rebuild_from_type_v2",
    {
      call: ([fn, , args]) => {
        const builder = (fn as { builder?: GlobalBuilder }).builder;
        if (!builder?.call || !Array.isArray(args)) throw new TypeError("_rebuild_from_type_v2: bad arguments");
        return builder.call(args);
      },
    },
  ],
  ["torch._tensor.Tensor", marker("torch.Tensor")],
  ["torch.Tensor", marker("torch.Tensor")],
  ["torch.nn.parameter.Parameter", marker("torch.nn.Parameter")],
  ["torch.device", { call: (args) => String(args[0]) }],
  ["torch.Size", { call: (args) => args[0] }],
  // Protocol 2 pickles bytes as _codecs.encode(text, "latin1").
  ["_codecs.encode", { call: ([text]) => Uint8Array.from(String(text), (c) => c.charCodeAt(0) & 0xff) }],
  // Training checkpoints carry their config and a few numpy scalars beside the model; kept as inert data.
  // A yacs CfgNode holds a set (its deprecated keys); protocol 2 writes sets as set([items]) and a
  // MultiStepLR's milestones as Counter({...}). All are plain containers: they build lists and dicts.
  ...["__builtin__", "builtins"].flatMap((m): [string, GlobalBuilder][] => [
    [`${m}.set`, collection],
    [`${m}.frozenset`, collection],
  ]),
  [
    "collections.Counter",
    {
      call: (args) => {
        const d = new PyDict();
        if (args[0] instanceof PyDict) for (const [k, v] of args[0].map) d.map.set(k, v);
        return d;
      },
      construct: () => new PyDict(),
    },
  ],
  ["yacs.config.CfgNode", inert("yacs.config.CfgNode")],
  ["argparse.Namespace", inert("argparse.Namespace")],
  ["numpy.core.multiarray.scalar", inert("numpy scalar")],
  ["numpy._core.multiarray.scalar", inert("numpy scalar")],
  ["numpy.dtype", inert("numpy.dtype")],
  ...[...STORAGE_TYPES].map(([qualified, type]): [string, GlobalBuilder] => [qualified, marker(type)]),
]);

/** Check a persistent id `('storage', type, key, location, numel, ...)` and return its parts. */
export function parseStoragePid(
  pid: unknown,
  file: string,
): { type: StorageType; key: string; numel: number; rest: unknown[] } {
  if (!Array.isArray(pid) || pid[0] !== "storage" || pid.length < 5)
    fail("corrupt", file, `unexpected persistent id ${JSON.stringify(pid)}`);
  const [, cls, key, , n, ...rest] = pid as unknown[];
  // The pid holds the storage class itself (an allowed global), not an instance.
  const type = cls instanceof PyGlobal ? STORAGE_TYPES.get(cls.qualified) : undefined;
  if (!type) fail("corrupt", file, `persistent id names no storage type`);
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0)
    fail("corrupt", file, `storage \`${String(key)}\` has an invalid size`);
  return { type, key: String(key), numel: n, rest };
}

/** persistentLoad for a zip archive: one StorageRef per key, its bytes the entry `<dir><key>`. */
export function zipStorages(
  entries: { get(name: string): Uint8Array | undefined },
  dir: string,
  file: string,
): (pid: unknown) => StorageRef {
  const storages = new Map<string, StorageRef>();
  return (pid) => {
    const { type, key, numel } = parseStoragePid(pid, file);
    let s = storages.get(key);
    if (!s) {
      s = new StorageRef(key, type, numel);
      s.bytes = entries.get(dir + key);
      if (!s.bytes) fail("corrupt", file, `storage \`${dir}${key}\` is missing from the archive`);
      storages.set(key, s);
    }
    return s;
  };
}

/** 2 GiB: more than any view in a real checkpoint, and what one typed array can hold. */
const MAX_VIEW_COPY = 2 ** 31;

/** Copy a tensor out of its storage: a slice when contiguous, an element-wise gather otherwise. */
export function materialize(ref: TensorRef, name: string, file: string): HostTensor {
  const { storage, offset, size, stride } = ref;
  const dtype = storage.type.dtype;
  if (!dtype) fail("unsupported_dtype", file, storage.type.name);
  const es = BYTES_PER_ELEMENT[dtype];
  const bytes = storage.bytes;
  if (!bytes) fail("corrupt", file, `tensor \`${name}\`: storage \`${storage.key}\` has no data`);
  const n = numel(size);
  if (n === 0) return { dtype, shape: [...size], data: allocTyped(dtype, 0) };

  let last = offset;
  for (let i = 0; i < size.length; i++) last += (size[i] - 1) * stride[i];
  if ((last + 1) * es > bytes.length)
    fail(
      "corrupt",
      file,
      `tensor \`${name}\` ${formatShape(size)} at offset ${offset} with strides ${formatShape(stride)} reads past its storage of ${bytes.length / es} elements`,
    );

  let contiguous = true;
  for (let i = size.length - 1, expect = 1; i >= 0; i--) {
    if (size[i] !== 1 && stride[i] !== expect) contiguous = false;
    expect *= size[i];
  }
  if (contiguous)
    return { dtype, shape: [...size], data: typedFromBytes(dtype, bytes.subarray(offset * es, (offset + n) * es)) };

  // Non-contiguous (a transposed, sliced or expanded view was saved): walk the index odometer, copying element
  // bytes. Zero strides let a few stored elements declare any size, so the copy is bounded before allocating.
  if (n * es > MAX_VIEW_COPY)
    fail(
      "corrupt",
      file,
      `tensor \`${name}\` ${formatShape(size)} with strides ${formatShape(stride)} declares ${n} elements over a storage ` +
        `of ${bytes.length / es}; copying it out would take ${n * es} bytes (the limit for a view is ${MAX_VIEW_COPY})`,
    );
  const out = new Uint8Array(n * es);
  const index = new Array<number>(size.length).fill(0);
  for (let k = 0, src = offset; k < n; k++) {
    out.set(bytes.subarray(src * es, src * es + es), k * es);
    for (let d = size.length - 1; d >= 0; d--) {
      src += stride[d];
      if (++index[d] < size[d]) break;
      src -= stride[d] * size[d];
      index[d] = 0;
    }
  }
  return { dtype, shape: [...size], data: typedFromBytes(dtype, out) };
}
