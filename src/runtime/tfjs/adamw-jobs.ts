/**
 * What AdamW (adamw.ts) hands an update of host moments: one job per parameter and the step's coefficients.
 * The updater itself runs on worker threads in Node (adamw-host.ts's HostAdamW, node:worker_threads), so
 * adamw.ts does not import it: Node's backend.ts registers it (useHostAdamW) and the page, which has no
 * worker_threads, keeps AdamW's moments in tf variables.
 */

/** Per parameter, in float32 element indices: param, grad, out (heap), at (moments), n, then its decay factor and step size. */
export const JOB_FIELDS = 7;

export interface Coefficients {
  b1: number;
  b2: number;
  eps: number;
  sqrtBc2: number;
}

/** Updates the values `jobs` describe: parameters in the wasm heap, moments in `m` and `v`. */
export interface HostUpdater {
  /** How many threads the last update ran on. */
  readonly lastThreads: number;
  run(heap: ArrayBufferLike, m: Float32Array, v: Float32Array, jobs: Float64Array, k: Coefficients): Promise<void>;
  close(): void;
}

let make: ((threads: number) => HostUpdater) | undefined;

/** Register how host moments are updated (backend.ts: HostAdamW); until then AdamW keeps its moments in tf variables. */
export function useHostAdamW(f: (threads: number) => HostUpdater): void {
  make = f;
}

/** An updater on `threads` threads, or undefined where none is registered. */
export function hostUpdater(threads: number): HostUpdater | undefined {
  return make?.(threads);
}

export const canUpdateOnHost = (): boolean => make !== undefined;
