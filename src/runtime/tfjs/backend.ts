/**
 * Choose and start a TensorFlow.js backend. Order when none is asked: tfjs-node-gpu, webgpu on a hardware
 * adapter, tfjs-node, wasm. The pure-JS cpu backend (100x slower) and webgpu on a software adapter
 * (SwiftShader) run only when asked for by name, never as a silent fallback.
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import os from "node:os";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { onExit } from "../../util/exit-hooks.ts";
import { useEngine } from "../backend/current.ts";
import { HostAdamW } from "./adamw-host.ts";
import { useHostAdamW } from "./adamw-jobs.ts";
import { tfjsEngine } from "./engine.ts";
import { backendInfo, setBackendInfo, type BackendInfo, type WasmBackend } from "./started.ts";
import { mayHaveGpu, shutdownWebgpu, startWebgpu, type AdapterReport } from "./webgpu.ts";

export type BackendName = "node-gpu" | "node" | "wasm" | "cpu" | "webgl" | "webgpu";

const require = createRequire(import.meta.url);
// AdamW's host moments (wasm) are updated on worker threads, which only Node has: the engine leaves them to this entry
useHostAdamW((threads) => new HostAdamW(threads));
const short = (err: unknown) =>
  String((err as Error)?.message ?? err)
    .split("\n")[0]
    .slice(0, 200);

export async function initBackend(opts: { backend?: BackendName; threads?: number } = {}): Promise<BackendInfo> {
  const current = backendInfo();
  if (
    current &&
    (!opts.backend || opts.backend === current.name) &&
    (opts.threads === undefined || opts.threads === current.threads)
  ) {
    // tfjs is started already, but another engine may have been made current since: tfjs is current again
    useEngine(tfjsEngine);
    return current;
  }
  const tried: BackendInfo["tried"] = [];
  // webgpu is a candidate of the automatic order only where a hardware adapter can exist (a GPU device, or a
  // Vulkan driver configured by hand): a software adapter is never chosen silently.
  const order: BackendName[] = opts.backend
    ? [opts.backend]
    : ["node-gpu", ...(mayHaveGpu() ? (["webgpu"] as const) : []), "node", "wasm"];
  for (const name of order) {
    try {
      const threads = await start(name, opts.threads, tried, opts.backend === name);
      tried.push({ name, ok: true });
      const started = setBackendInfo({ name, threads, tried, ...(name === "webgpu" ? { adapter: webgpuReport } : {}) });
      useEngine(tfjsEngine);
      return started;
    } catch (err) {
      tried.push({ name, ok: false, why: short(err) });
    }
  }
  const last = tried[tried.length - 1];
  return fail("backend_unavailable", undefined, last.name, last.why ?? "unknown reason");
}

let webgpuReport: AdapterReport | undefined;

async function start(
  name: BackendName,
  threads: number | undefined,
  tried: BackendInfo["tried"],
  byName: boolean,
): Promise<number> {
  switch (name) {
    case "node-gpu":
    case "node": {
      // Optional native bindings: importing the package registers the "tensorflow" backend.
      const pkg = name === "node" ? "@tensorflow/tfjs-node" : "@tensorflow/tfjs-node-gpu";
      try {
        await import(pkg);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") throw new Error(`${pkg} is not installed`);
        // npm installs the optional package but runs no install script here (.npmrc: ignore-scripts), and that
        // script is what downloads libtensorflow and builds tfjs_binding.node
        if (/tfjs_binding\.node/.test((err as Error).message ?? ""))
          throw new Error(
            `${pkg} is not installed: its native library (tfjs_binding.node, which its install script downloads) is missing`,
          );
        throw err;
      }
      await setBackend("tensorflow");
      return os.cpus().length;
    }
    case "wasm":
      return startWasm(threads ?? defaultWasmThreads(tried), tried);
    case "cpu":
      await setBackend("cpu");
      return 1;
    case "webgpu":
      if (typeof (globalThis as { document?: unknown }).document === "undefined") {
        webgpuReport = await startWebgpu(byName);
        onExit(shutdownWebgpu);
        return 1;
      }
      await setBackend(name);
      return 1;
    case "webgl":
      // WebGL needs a browser's canvas, which Node does not provide.
      if (typeof (globalThis as { document?: unknown }).document === "undefined")
        throw new Error("needs a browser; not available in Node");
      await setBackend(name);
      return 1;
  }
}

async function setBackend(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend("${name}") failed`);
  await tf.ready();
}

type WasmModule = typeof import("@tensorflow/tfjs-backend-wasm");

/**
 * Every core, unless the cores are already busy. XNNPACK's pool joins after each product and waits for
 * every worker to be scheduled once; on a host whose load average is at or above its core count that wait
 * costs more than the second thread brings (measured with the load at 28-34 on 2 cores: X-CLIP-B/32 took
 * 1.1x longer per video on 2 threads than on 1; on a quiet host 2 threads are 1.76x faster). `--threads`
 * overrides it; results are bit-identical either way.
 */
function defaultWasmThreads(tried: BackendInfo["tried"]): number {
  const cores = os.cpus().length;
  const load = os.loadavg()[0];
  if (cores <= 1 || load < cores) return cores;
  tried.push({
    name: `wasm (${cores} threads)`,
    ok: false,
    why: `load average ${load.toFixed(1)} on ${cores} cores: a thread pool would wait on busy cores; using 1 thread (--threads to choose)`,
  });
  return 1;
}

async function startWasm(threads: number, tried: BackendInfo["tried"]): Promise<number> {
  const wasm: WasmModule = await import("@tensorflow/tfjs-backend-wasm");
  const pkgDir = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"));
  wasm.setWasmPaths(join(pkgDir, "dist") + "/");
  if (threads > 1) {
    try {
      return await startThreaded(wasm, pkgDir, threads);
    } catch (err) {
      tried.push({ name: `wasm (${threads} threads)`, ok: false, why: `${short(err)}; using 1 thread` });
    }
  }
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  wasm.setThreadsCount(1);
  await setBackend("wasm");
  patchWasm();
  return wasm.getThreadsCount();
}

/** What tfjs-backend-wasm 4.22 gets wrong, mended once the backend is set (single- or multi-threaded). */
function patchWasm(): void {
  guardWasmHeap();
  shareIdentity();
  sliceFromHeap();
}

/**
 * wasm's Slice reads its whole input with readSync, a copy of the tensor out of the heap, before it copies the
 * runs it keeps: q, k and v cut out of X-CLIP-B/32's [8, 36, 51, 64] projections copied 3.8 MB to keep 1.3 MB,
 * three times a block (~13 ms each, the shared heap's copies being slow and the garbage large). The mended kernel
 * copies the runs from a view of the heap into the output.
 */
function sliceFromHeap(): void {
  mendKernel("Slice", (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
    const [b, n] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput(n, x.dtype);
    // views taken after the allocation (a heap that grew has a new buffer)
    copyRuns(backend.typedArrayFromHeap(x), x.shape, b, n, backend.typedArrayFromHeap(out));
    return out;
  });
}

/** wasm's kernel `name` replaced by `mend` (once; string tensors still go to the original). */
function mendKernel(name: string, mend: tf.KernelFunc): void {
  const original = tf.getKernel(name, "wasm");
  if (!original || (original.kernelFunc as { mended?: boolean }).mended) return;
  const kernelFunc: tf.KernelFunc = (args) =>
    (args.inputs.x as tf.TensorInfo).dtype === "string" ? original.kernelFunc(args) : mend(args);
  Object.assign(kernelFunc, { mended: true });
  tf.unregisterKernel(name, "wasm");
  tf.registerKernel({ ...original, kernelFunc });
}

/** The box `begin`, `size` of `src` (row-major `shape`) into `dst`, one run of the innermost axis at a time. */
export function copyRuns<T extends Float32Array | Int32Array | Uint8Array>(
  src: T,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dst: T,
): void {
  const rank = shape.length;
  if (size.some((d) => d === 0)) return;
  if (rank === 0) return void dst.set(src.subarray(0, 1));
  const strides = tf.util.computeStrides(shape as number[]);
  const run = size[rank - 1];
  const at = new Array<number>(rank - 1).fill(0);
  const runs = size.slice(0, -1).reduce((p, d) => p * d, 1);
  for (let r = 0, o = 0; r < runs; r++, o += run) {
    let from = begin[rank - 1];
    for (let a = 0; a < rank - 1; a++) from += (begin[a] + at[a]) * strides[a];
    dst.set(src.subarray(from, from + run), o);
    for (let a = rank - 2; a >= 0 && ++at[a] === size[a]; a--) at[a] = 0;
  }
}

/**
 * tfjs keeps every tensor a gradient needs as a clone (Engine.saveTensorsForBackwardMode), and wasm's Identity
 * kernel copies its input where the cpu and webgl backends share the buffer (as wasm's own Reshape does). On
 * X-CLIP-B/32 that copied every weight once per forward, and every saved activation, and held the copies until the
 * backward ended. Tensors are immutable, so the clone takes a reference to the same buffer instead.
 */
function shareIdentity(): void {
  mendKernel("Identity", (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    (args.backend as unknown as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}

interface WasmHeap {
  _malloc(bytes: number): number;
  _free(at: number): void;
  asm?: { malloc?: (bytes: number) => number; free?: (at: number) => void };
  HEAPU8: Uint8Array;
}

/**
 * Bytes of the wasm heap that tensors hold, each buffer once. tf.memory().numBytes counts a buffer once per tensor
 * that views it (every reshape, every clone tfjs saves for a gradient), so it overstates what a forward keeps.
 */
const tensorHeap = { blocks: new Map<number, number>(), live: 0, peak: 0 };

/** Tensor bytes in the wasm heap now, and the most since the last reset (undefined on other backends); `resetPeak` then starts a new peak from what is live. */
export function wasmTensorBytes(resetPeak = false): { live: number; peak: number } | undefined {
  if (tf.getBackend() !== "wasm") return undefined;
  const now = { live: tensorHeap.live, peak: tensorHeap.peak };
  if (resetPeak) tensorHeap.peak = tensorHeap.live;
  return now;
}

/**
 * tfjs-backend-wasm 4.22 does not check what malloc returns: with the 4 GiB heap full it places the new tensor
 * at address 0, over the module's own data, and the process then loops or traps far from the cause (measured:
 * X-CLIP-B/32's backward hung for half an hour in a 1 MB multiply once the heap reached 4,096 MiB). A failed
 * allocation becomes MDL410 at the kernel that asked for it.
 */
function guardWasmHeap(): void {
  const wasm = (tf.backend() as unknown as { wasm: WasmHeap }).wasm;
  // Emscripten's Module._malloc replaces itself with the raw export on first use: wrap the raw export
  const raw = wasm.asm?.malloc ?? wasm._malloc;
  const rawFree = wasm.asm?.free ?? wasm._free;
  const t = tensorHeap;
  wasm._malloc = (bytes: number) => {
    const at = raw(bytes);
    if (at === 0 && bytes > 0)
      fail("wasm_heap_full", undefined, bytes, Math.round(wasm.HEAPU8.buffer.byteLength / 2 ** 20));
    // wasm32 addresses above 2 GiB come back negative; the backend frees them as unsigned
    t.blocks.set(at >>> 0, bytes);
    t.live += bytes;
    if (t.live > t.peak) t.peak = t.live;
    return at;
  };
  wasm._free = (at: number) => {
    t.live -= t.blocks.get(at >>> 0) ?? 0;
    t.blocks.delete(at >>> 0);
    rawFree(at);
  };
}

/**
 * tfjs 4.22 disables wasm threads in Node; four things have to be fixed:
 * the multithread flag, the Blob-URL worker Node cannot load, the native cap at half the cores,
 * and pool workers keeping the process alive (the bundle unrefs idle workers itself; see exit notes).
 */
async function startThreaded(wasm: WasmModule, pkgDir: string, threads: number): Promise<number> {
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  wasm.setThreadsCount(threads);
  const worker = workerFile(pkgDir);
  const realCreate = URL.createObjectURL;
  const realCpus = os.cpus;
  // The worker source is handed over as a Blob URL; give worker_threads a file instead.
  URL.createObjectURL = (obj: Blob | MediaSource) =>
    obj instanceof Blob && obj.type === "application/javascript" ? worker : realCreate(obj as Blob);
  // The native side assumes SMT and uses half the cores it sees: show it twice the asked count.
  os.cpus = () => {
    const c = realCpus();
    return Array.from({ length: Math.max(2 * threads, c.length) }, (_, i) => c[i % c.length]);
  };
  try {
    await setBackend("wasm");
  } finally {
    URL.createObjectURL = realCreate;
    os.cpus = realCpus;
  }
  unrefWorkers();
  patchWasm();
  return wasm.getThreadsCount();
}

/**
 * The thread pool's workers run for the life of the process and Emscripten ref()s each one when it
 * starts a thread, so a script would never exit. They do no work of their own between kernels.
 */
function unrefWorkers(): void {
  type W = { ref(): void; unref(): void };
  const pthread = (tf.backend() as unknown as { wasm?: { PThread?: { unusedWorkers: W[]; runningWorkers: W[] } } }).wasm
    ?.PThread;
  if (!pthread) throw new Error("the threaded wasm module exposes no thread pool");
  for (const w of [...pthread.unusedWorkers, ...pthread.runningWorkers]) {
    w.ref = () => {};
    w.unref();
  }
}

function workerFile(pkgDir: string): string {
  const { wasmWorkerContents } = require(join(pkgDir, "wasm-out/tfjs-backend-wasm-threaded-simd.worker.js")) as {
    wasmWorkerContents: string;
  };
  const main = join(pkgDir, "wasm-out/tfjs-backend-wasm-threaded-simd.js");
  // The worker imports the main script from a Blob it received; point it at the file on disk.
  const load = /if\(typeof e\.data\.urlOrBlob=="string"\)\{importScripts\(e\.data\.urlOrBlob\)\}else\{[^}]*\}/;
  if (!load.test(wasmWorkerContents)) throw new Error("unexpected wasm worker source (tfjs version changed?)");
  // As tfjs does for its Blob: the exported text holds raw newlines inside string literals.
  const src = wasmWorkerContents.replace(load, `importScripts(${JSON.stringify(main)});`).replace(/\n/g, "\\n");
  // One file per worker text, shared by every process: written once, atomically.
  const hash = createHash("sha256").update(src).digest("hex").slice(0, 16);
  const path = join(os.tmpdir(), `mdl-tfjs-wasm-worker-${hash}.cjs`);
  if (!existsSync(path)) {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, src);
    renameSync(tmp, path);
  }
  return path;
}
