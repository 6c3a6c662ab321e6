/**
 * Linear-layer speed per backend: a 400x768 activation times a 768x3072 weight, forward and
 * forward+backward (custom flag-free gradient). Each configuration runs in its own process (a backend
 * starts once per process); configurations are interleaved because the host is noisy.
 *   npx tsx bench/kernels.ts [--rounds 3] [--iters 10]
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { initBackend, type BackendName } from "../src/runtime/tfjs/backend.ts";
import { linear } from "../src/runtime/tfjs/ops/linear.ts";

const [M, K, N] = [400, 768, 3072];
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};

async function child(backend: BackendName, threads: number, iters: number): Promise<void> {
  const info = await initBackend({ backend, threads });
  const x = tf.randomNormal([M, K]);
  const w = tf.randomNormal([K, N], 0, 0.02);
  const r = tf.randomNormal([M, N]);
  const grad = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(linear(a, b), r)));
  const time = (f: () => tf.Tensor[]) => {
    const out: number[] = [];
    for (let i = 0; i < iters + 1; i++) {
      const t0 = performance.now();
      const ys = tf.tidy(f);
      for (const y of ys) y.dataSync();
      out.push(performance.now() - t0);
      for (const y of ys) y.dispose();
    }
    out.shift(); // the first run includes kernel setup
    return Math.min(...out);
  };
  const fwd = time(() => [linear(x, w)]);
  const bwd = time(() => grad([x, w]));
  process.stdout.write(JSON.stringify({ backend: info.name, threads: info.threads, fwd, bwd }) + "\n");
}

function parent(): void {
  const rounds = arg("--rounds", 3);
  const iters = arg("--iters", 10);
  const configs: [BackendName, number, number][] = [
    ["wasm", 1, iters],
    ["wasm", 2, iters],
    ["cpu", 1, 1],
  ];
  const results = new Map<string, { fwd: number[]; bwd: number[] }>();
  for (let round = 0; round < rounds; round++)
    for (const [backend, threads, it] of configs) {
      if (backend === "cpu" && round > 0) continue; // ~15 s per run: once is enough to show the ratio
      const r = spawnSync(
        process.execPath,
        ["--import", "tsx", fileURLToPath(import.meta.url), "--child", backend, String(threads), String(it)],
        { encoding: "utf8" },
      );
      if (r.status !== 0) throw new Error(r.stderr);
      const m = JSON.parse(r.stdout.trim().split("\n").pop()!);
      const key = `${m.backend} x${m.threads}`;
      if (!results.has(key)) results.set(key, { fwd: [], bwd: [] });
      results.get(key)!.fwd.push(m.fwd);
      results.get(key)!.bwd.push(m.bwd);
    }
  const best = (v: number[]) => Math.min(...v);
  const base = results.get("wasm x1")!;
  const gflop = (ms: number, passes: number) => ((2 * M * K * N * passes) / ms / 1e6).toFixed(1);
  console.log(
    `linear ${M}x${K}x${N}, best of ${rounds} rounds x ${iters} iterations (ms; GFLOP/s; speed-up vs wasm x1)`,
  );
  for (const [key, v] of results) {
    const f = best(v.fwd);
    const b = best(v.bwd);
    console.log(
      `${key.padEnd(8)} forward ${f.toFixed(1).padStart(8)} (${gflop(f, 1)}; ${(best(base.fwd) / f).toFixed(2)}x)` +
        `   forward+backward ${b.toFixed(1).padStart(8)} (${gflop(b, 3)}; ${(best(base.bwd) / b).toFixed(2)}x)`,
    );
  }
}

if (process.argv[2] === "--child")
  await child(process.argv[3] as BackendName, Number(process.argv[4]), Number(process.argv[5]));
else parent();
