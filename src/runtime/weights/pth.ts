/**
 * PyTorch `torch.save` files: the zip format (1.6 and later) and the legacy format before it.
 * Both hold one pickle whose tensors point at storages by persistent id; only the containers differ.
 * A zip with `code/` or `constants.pkl` beside its data.pkl is a `torch.jit.save` archive: torchscript.ts.
 */
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { PyDict, unpickle } from "./pickle.ts";
import { TORCH_GLOBALS, StorageRef, TensorRef, materialize, parseStoragePid, zipStorages } from "./torch-objects.ts";
import { BYTES_PER_ELEMENT, type HostTensor } from "./tensor.ts";
import { decodeTorchScript, isTorchScript } from "./torchscript.ts";
import { readZip } from "./zip.ts";

export interface DecodedPth {
  format: "pth-zip" | "pth-legacy" | "torchscript";
  tensors: Map<string, HostTensor>;
  notes: string[];
  /** A training checkpoint's entry that held the state dict, and the entries beside it. */
  wrapper?: TrainingWrapper;
}

export interface TrainingWrapper {
  key: string;
  others: string[];
}

export function decodePth(bytes: Uint8Array, file: string): Map<string, HostTensor> {
  return decodePthDetailed(bytes, file).tensors;
}

export function decodePthDetailed(bytes: Uint8Array, file: string): DecodedPth {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return decodeZip(bytes, file);
  if (bytes[0] === 0x80) return { format: "pth-legacy", ...decodeLegacy(bytes, file) };
  fail("unknown_format", file, "neither a zip archive nor a pickle");
}

function decodeZip(bytes: Uint8Array, file: string): DecodedPth {
  const entries = readZip(bytes, file);
  // The top folder is the file's stem at save time ("archive", "weights", ...), so find it by data.pkl.
  const pkl = entries.names().find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) fail("unknown_format", file, "a zip archive without `<folder>/data.pkl`, so not a torch.save file");
  const prefix = pkl.slice(0, -"data.pkl".length);
  const order = entries.get(prefix + "byteorder");
  if (order && new TextDecoder().decode(order) !== "little")
    fail("unknown_format", file, "the tensors were saved big-endian");
  if (isTorchScript(entries, prefix)) return { format: "torchscript", ...decodeTorchScript(entries, prefix, file) };

  const persistentLoad = zipStorages(entries, `${prefix}data/`, file);
  const { value } = unpickle(entries.get(pkl)!, 0, { file, globals: TORCH_GLOBALS, persistentLoad });
  return { format: "pth-zip", ...pickStateDict(value, file) };
}

// The legacy format opens with this number pickled, then the protocol version and system info.
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function decodeLegacy(bytes: Uint8Array, file: string) {
  const plain = { file, globals: TORCH_GLOBALS };
  // The first pickle already goes through the allow-list: a hostile file fails here, before anything else.
  const magic = unpickle(bytes, 0, plain);
  if (magic.value !== LEGACY_MAGIC)
    fail("unknown_format", file, "a pickle, but not a PyTorch checkpoint (no legacy magic number)");
  const version = unpickle(bytes, magic.end, plain);
  if (version.value !== 1001)
    fail("unknown_format", file, `legacy protocol version ${String(version.value)} (only 1001 exists)`);
  const sys = unpickle(bytes, version.end, plain);
  if (sys.value instanceof PyDict && sys.value.map.get("little_endian") === false)
    fail("unknown_format", file, "the tensors were saved big-endian");

  const roots = new Map<string, StorageRef>();
  const views: { view: StorageRef; root: string; offset: number }[] = [];
  const main = unpickle(bytes, sys.end, {
    ...plain,
    persistentLoad(pid) {
      const { type, key, numel, rest } = parseStoragePid(pid, file);
      let root = roots.get(key);
      if (!root) roots.set(key, (root = new StorageRef(key, type, numel)));
      const viewMeta = rest[0];
      if (!Array.isArray(viewMeta)) return root;
      // (view_key, offset, view_size): a storage that is a window on another one.
      const [viewKey, offset, viewSize] = viewMeta as [string, number, number];
      const view = new StorageRef(String(viewKey), type, viewSize);
      views.push({ view, root: key, offset });
      return view;
    },
  });
  const keys = unpickle(bytes, main.end, plain);
  if (!Array.isArray(keys.value)) fail("corrupt", file, "the legacy storage key list is missing");

  // Then, for each key in that list: an int64 element count and the raw elements.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = keys.end;
  for (const key of keys.value as unknown[]) {
    const s = roots.get(String(key));
    if (!s) fail("corrupt", file, `storage \`${String(key)}\` is listed but never used`);
    if (at + 8 > bytes.length) fail("truncated", file, `storage \`${s.key}\` is cut off at byte ${bytes.length}`);
    const n = Number(view.getBigInt64(at, true));
    if (n !== s.numel) fail("corrupt", file, `storage \`${s.key}\` holds ${n} elements but the pickle says ${s.numel}`);
    const size = n * (s.type.dtype ? BYTES_PER_ELEMENT[s.type.dtype] : 0);
    if (at + 8 + size > bytes.length)
      fail(
        "truncated",
        file,
        `storage \`${s.key}\` needs bytes ${at + 8}..${at + 8 + size}, the file has ${bytes.length}`,
      );
    s.bytes = bytes.subarray(at + 8, at + 8 + size);
    at += 8 + size;
  }
  for (const { view: v, root, offset } of views) {
    const r = roots.get(root)!;
    const es = r.type.dtype ? BYTES_PER_ELEMENT[r.type.dtype] : 0;
    if (r.bytes && (offset + v.numel) * es <= r.bytes.length)
      v.bytes = r.bytes.subarray(offset * es, (offset + v.numel) * es);
  }
  return pickStateDict(main.value, file);
}

const TRAINING_KEYS = ["state_dict", "model", "model_state_dict", "module", "net"];

/** The state dict inside what was saved: the object itself, or the model entry of a training checkpoint. */
function pickStateDict(
  root: unknown,
  file: string,
): { tensors: Map<string, HostTensor>; notes: string[]; wrapper?: TrainingWrapper } {
  const notes: string[] = [];
  let wrapper: TrainingWrapper | undefined;
  if (!(root instanceof PyDict)) fail("unknown_format", file, "the checkpoint is not a dict of tensors");
  let dict = root;
  const hasTensors = (d: PyDict) => [...d.map.values()].some((v) => v instanceof TensorRef);
  if (!hasTensors(root)) {
    const key = TRAINING_KEYS.find((k) => root.map.get(k) instanceof PyDict && hasTensors(root.map.get(k) as PyDict));
    if (!key) {
      const keys = [...root.map.keys()].map(String).slice(0, 10).join(", ");
      fail("unknown_format", file, `no state dict found (top-level keys: ${keys || "none"})`);
    }
    dict = root.map.get(key) as PyDict;
    const others = [...root.map.keys()].filter((k) => k !== key).map(String);
    notes.push(
      `training checkpoint: took the state dict from \`${key}\`${others.length ? `; skipped ${others.join(", ")}` : ""}`,
    );
    wrapper = { key, others };
  }
  const tensors = new Map<string, HostTensor>();
  const skipped: string[] = [];
  for (const [k, v] of dict.map) {
    if (v instanceof TensorRef) tensors.set(String(k), materialize(v, String(k), file));
    else skipped.push(String(k));
  }
  if (skipped.length)
    notes.push(
      `skipped ${skipped.length} non-tensor entr${skipped.length === 1 ? "y" : "ies"}: ${skipped.slice(0, 5).join(", ")}`,
    );
  return { tensors, notes, ...(wrapper ? { wrapper } : {}) };
}
