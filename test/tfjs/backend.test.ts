/**
 * Backend choice through `mdl env`, each in a child process: a 2-thread wasm pool must start and the
 * process must still exit on its own (the pool's workers would otherwise hold it open).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { initBackend, wasmTensorBytes } from "../../src/runtime/tfjs/backend.ts";

const env = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "env", ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
// webgpu starts where Dawn finds an adapter (SwiftShader included, test/webgpu); here, a machine where it cannot.
const noVulkan = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "env", ...args], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, VK_ICD_FILENAMES: "/nonexistent/icd.json" },
  });

test("default order: node-gpu and node are not installed, wasm runs on 2 threads and the process exits", () => {
  const r = env("--json", "--threads", "2");
  assert.is(r.signal, null, "killed by the timeout: the process did not exit");
  assert.is(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.is(info.backend, "wasm");
  assert.is(info.threads, 2);
  assert.equal(
    info.tried.map((t: { name: string; ok: boolean }) => [t.name, t.ok]),
    [
      ["node-gpu", false],
      ["node", false],
      ["wasm", true],
    ],
  );
  assert.match(info.tried[0].why, "@tensorflow/tfjs-node-gpu is not installed");
  assert.is(info.node, process.version);
});

test("the cpu backend only when asked; an unknown backend or a bad thread count is a usage error", () => {
  const cpu = env("--backend", "cpu");
  assert.is(cpu.status, 0, cpu.stderr);
  assert.match(cpu.stdout, /backend\s+cpu \(1 thread\)/);
  const bad = env("--backend", "tpu");
  assert.is(bad.status, 2);
  assert.match(bad.stderr, "MDL001");
  assert.not.match(bad.stderr, "    at "); // no stack trace
  const none = noVulkan("--backend", "webgpu");
  assert.is(none.status, 2);
  assert.match(none.stderr, "error MDL405: backend `webgpu` is not available");
});

// The load average a child sees, set before anything reads it (the default thread count depends on it).
const withLoad = (load: number) =>
  spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "-e",
      `import os from "node:os"; os.loadavg = () => [${load}, ${load}, ${load}]; os.cpus = ((c) => () => c().slice(0, 2).concat(c()).slice(0, 2))(os.cpus); const { initBackend } = await import("./src/runtime/tfjs/backend.ts"); console.log(JSON.stringify(await initBackend({ backend: "wasm" })));`,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );

test("default wasm threads: every core on an idle host, 1 (and why) when the load average reaches the core count", () => {
  const idle = withLoad(0);
  assert.is(idle.status, 0, idle.stderr);
  assert.is(JSON.parse(idle.stdout.trim().split("\n").pop()!).threads, 2);
  const busy = withLoad(2.5);
  assert.is(busy.status, 0, busy.stderr);
  const info = JSON.parse(busy.stdout.trim().split("\n").pop()!);
  assert.is(info.threads, 1);
  assert.match(info.tried[0].why, "load average 2.5 on 2 cores");
});

// Kernel outputs of 100 MiB until the 4 GiB heap is full (backend.makeOutput is how every wasm kernel gets its
// output; untouched pages cost no RAM), then the same sum before and after: a child, the heap never shrinks.
const fillHeap = (threads: number) =>
  spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "-e",
      `import * as tf from "@tensorflow/tfjs"; const { initBackend } = await import("./src/runtime/tfjs/backend.ts");
    await initBackend({ backend: "wasm", threads: ${threads} }); const b = tf.backend(); const sum = () => tf.sum(tf.range(0, 1000)).dataSync()[0];
    const before = sum(), offsets = [];
    try { for (let i = 0; i < 50; i++) offsets.push(b.dataIdMap.get(b.makeOutput([25 * 2 ** 20], "float32").dataId).memoryOffset); } catch (err) { console.log(JSON.stringify({ error: err.message, offsets, before, after: sum() })); process.exit(0); }
    console.log(JSON.stringify({ offsets, before }));`,
    ],
    { encoding: "utf8", timeout: 120_000 },
  );

for (const threads of [1, 2])
  test(`a full wasm heap (${threads} thread${threads > 1 ? "s" : ""}) is MDL410 at the allocation, never a tensor placed at address 0`, () => {
    const r = fillHeap(threads);
    assert.is(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
    assert.ok(
      out.error,
      `no error after ${out.offsets.length} allocations of 100 MiB (offsets ${out.offsets.slice(-3)})`,
    );
    assert.match(
      out.error,
      /^MDL410: the wasm backend cannot allocate 104,857,600 more bytes: its heap is full at 4,0\d\d MiB/,
    );
    // about 40 fit in 4 GiB beside the module, every one at a real address
    assert.ok(out.offsets.length >= 38 && out.offsets.length <= 40, `${out.offsets.length} allocations`);
    assert.ok(
      out.offsets.every((o: number) => o > 0),
      "an allocation at address 0",
    );
    assert.equal([out.before, out.after], [499500, 499500]);
  });

test("in process: wasm with one thread", async () => {
  const info = await initBackend({ backend: "wasm", threads: 1 });
  assert.is(tf.getBackend(), "wasm");
  assert.equal([info.name, info.threads], ["wasm", 1]);
});

test("wasmTensorBytes: heap bytes of tensors, each buffer once (tf.memory counts views again), and their peak", async () => {
  await initBackend({ backend: "wasm", threads: 1 });
  wasmTensorBytes(true);
  const base = wasmTensorBytes()!;
  assert.is(base.peak, base.live, "a reset peak starts from what is live");
  const mem0 = tf.memory().numBytes;
  const a = tf.zeros([1000, 250]); // 1,000,000 bytes
  const views = [tf.reshape(a, [250, 1000]), tf.clone(a)];
  assert.is(wasmTensorBytes()!.live - base.live, 1_000_000);
  assert.is(tf.memory().numBytes - mem0, 3_000_000, "tf.memory() counts the buffer once per tensor");
  const b = tf.neg(a);
  assert.is(wasmTensorBytes()!.live - base.live, 2_000_000);
  tf.dispose([a, b, ...views]);
  const after = wasmTensorBytes()!;
  assert.is(after.live, base.live);
  assert.is(after.peak - base.live, 2_000_000);
});

test("on wasm a clone (what tfjs saves for every gradient) shares its buffer; each reference frees on its own", async () => {
  await initBackend({ backend: "wasm", threads: 1 });
  const buffers = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
  const before = buffers();
  const a = tf.tensor1d([1, -2, 3]);
  const b = tf.clone(a);
  assert.is(b.dataId, a.dataId, "the clone got a buffer of its own");
  assert.is(buffers(), before + 1);
  a.dispose();
  assert.equal([...b.dataSync()], [1, -2, 3]);
  const c = tf.add(b, 1); // a kernel reading the shared buffer
  assert.equal([...c.dataSync()], [2, -1, 4]);
  tf.dispose([b, c]);
  assert.is(buffers(), before);
  // gradients through clones and saved tensors: d/dx sum(clone(x) * x) = 2x
  const x = tf.tensor1d([0.5, -1.5]);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.clone(t), t)))(x);
  assert.equal([...g.dataSync()], [1, -3]);
  tf.dispose([x, g]);
  assert.is(buffers(), before);
});

test.run();
