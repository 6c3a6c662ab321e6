/**
 * AdamW's update where the moments live on the host (wasm). One pass over each parameter in JavaScript, reading
 * the parameter and its gradient in the wasm heap and writing the new parameter into a fresh heap buffer, instead
 * of 14 single-threaded tfjs kernels per parameter and two copies of its moments. The values are split between the
 * main thread and worker threads when the heap is shared memory (wasm's threaded build): on X-CLIP-B/32 the update
 * is 126 M values a step, which the tfjs kernels took ~0.9 s for on one core.
 *
 * A value's update reads only that value's parameter, gradient and moments, so how the values are split changes no
 * bit. Arithmetic is float64 (PyTorch's order of operations), rounded to float32 where it is stored.
 */
import { Worker } from "node:worker_threads";
import { JOB_FIELDS, type Coefficients, type HostUpdater } from "./adamw-jobs.ts";

/**
 * The update of values [from, to) of the concatenated parameters. Kept as source text so that the main thread and
 * every worker run the very same code (the main thread through `new Function`, a worker through `eval`).
 */
const SPAN_SOURCE = `function adamwSpan(heap, m, v, jobs, from, to, b1, b2, eps, sqrtBc2) {
  const c1 = 1 - b1, c2 = 1 - b2;
  let base = 0;
  for (let j = 0; j < jobs.length; j += ${JOB_FIELDS}) {
    const n = jobs[j + 4];
    const lo = Math.max(from, base) - base, hi = Math.min(to, base + n) - base;
    if (lo < hi) {
      const p = jobs[j], g = jobs[j + 1], out = jobs[j + 2], at = jobs[j + 3], decay = jobs[j + 5], step = jobs[j + 6];
      for (let i = lo; i < hi; i++) {
        const gi = heap[g + i];
        const mi = b1 * m[at + i] + c1 * gi;
        const vi = b2 * v[at + i] + c2 * gi * gi;
        m[at + i] = mi;
        v[at + i] = vi;
        heap[out + i] = heap[p + i] * decay - (step * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
      }
    }
    base += n;
  }
}`;

type Span = (
  heap: Float32Array,
  m: Float32Array,
  v: Float32Array,
  jobs: Float64Array,
  from: number,
  to: number,
  b1: number,
  b2: number,
  eps: number,
  sqrtBc2: number,
) => void;

const adamwSpan = new Function(`return ${SPAN_SOURCE}`)() as Span;

const WORKER_SOURCE = `const { parentPort } = require("node:worker_threads");
${SPAN_SOURCE}
parentPort.on("message", (w) => {
  adamwSpan(w.heap, w.m, w.v, w.jobs, w.from, w.to, w.b1, w.b2, w.eps, w.sqrtBc2);
  parentPort.postMessage(0);
});`;

/** Runs updates on the main thread and `threads - 1` workers (created on first use, ended by close). */
export class HostAdamW implements HostUpdater {
  private workers: Worker[] = [];
  /** How many threads the last update ran on. */
  lastThreads = 0;

  constructor(readonly threads: number) {}

  /**
   * Update the values `jobs` describe. `heap` is the wasm memory's buffer; workers need it shared
   * (a plain ArrayBuffer is updated on the main thread alone).
   */
  async run(
    heap: ArrayBufferLike,
    m: Float32Array,
    v: Float32Array,
    jobs: Float64Array,
    k: Coefficients,
  ): Promise<void> {
    let total = 0;
    for (let j = 0; j < jobs.length; j += JOB_FIELDS) total += jobs[j + 4];
    const shared =
      heap instanceof SharedArrayBuffer &&
      m.buffer instanceof SharedArrayBuffer &&
      v.buffer instanceof SharedArrayBuffer;
    const parts = shared ? Math.max(1, Math.min(this.threads, Math.ceil(total / 65536))) : 1;
    const cut = (i: number) => Math.round((total * i) / parts);
    this.lastThreads = parts;
    // views over shared memory cross to a worker as views of the same memory (offsets and all)
    const f32 = new Float32Array(heap);
    const done = Array.from({ length: parts - 1 }, (_, i) =>
      this.post(i, { heap: f32, m, v, jobs, from: cut(i + 1), to: cut(i + 2), ...k }),
    );
    adamwSpan(f32, m, v, jobs, 0, cut(1), k.b1, k.b2, k.eps, k.sqrtBc2);
    await Promise.all(done);
  }

  private post(i: number, message: object): Promise<void> {
    const w = (this.workers[i] ??= new Worker(WORKER_SOURCE, { eval: true }));
    w.ref();
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        w.off("message", onMessage);
        reject(err);
      };
      const onMessage = () => {
        w.off("error", onError);
        // an idle worker does not keep the process alive
        w.unref();
        resolve();
      };
      w.once("message", onMessage);
      w.once("error", onError);
      w.postMessage(message);
    });
  }

  close(): void {
    for (const w of this.workers) void w.terminate();
    this.workers = [];
  }
}
