import { spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { useWasm } from "./backend.ts";
import { groupsFor, isNoDecay } from "../../src/runtime/train/optimizer.ts";
import { selectParams } from "../../src/compiler/4-ir/select.ts";
import { compile } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";

const xclipIr = () => compile("models/xclip.mdl", fsHost, { preset: "tiny" }).value!;
import { AdamW } from "../../src/runtime/tfjs/adamw.ts";
import { HostAdamW } from "../../src/runtime/tfjs/adamw-host.ts";

test.before(useWasm);

/** torch.optim.AdamW written out in float64. */
function adamwRef(p: number[], grads: number[][], lr: number, wd: number, b1 = 0.9, b2 = 0.98, eps = 1e-8): number[] {
  return adamwRefState(p, grads, lr, wd, b1, b2, eps).x;
}

/** The same, with its moments. */
function adamwRefState(p: number[], grads: number[][], lr: number, wd: number, b1 = 0.9, b2 = 0.98, eps = 1e-8) {
  const m = p.map(() => 0),
    v = p.map(() => 0),
    x = [...p];
  grads.forEach((g, i) => {
    const t = i + 1;
    for (let j = 0; j < x.length; j++) {
      x[j] *= 1 - lr * wd;
      m[j] = b1 * m[j] + (1 - b1) * g[j];
      v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
      const mh = m[j] / (1 - b1 ** t),
        vh = v[j] / (1 - b2 ** t);
      x[j] -= (lr * mh) / (Math.sqrt(vh) + eps);
    }
  });
  return { x, m, v };
}

const near = (got: ArrayLike<number>, want: number[], tol: number, what: string) => {
  assert.is(got.length, want.length, what);
  for (let i = 0; i < want.length; i++)
    assert.ok(
      Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])),
      `${what}[${i}]: ${got[i]} vs ${want[i]}`,
    );
};

test("AdamW: one and three steps, two groups with different lr scale and decay, against float64", async () => {
  const a0 = [0.5, -1.25, 2, 0.125],
    b0 = [3, -0.75];
  const vars = new Map<string, tf.Variable>([
    ["a.weight", tf.variable(tf.tensor2d(a0, [2, 2]))],
    ["a.bias", tf.variable(tf.tensor1d(b0))],
  ]);
  const ga = [
    [0.1, -0.2, 0.3, 1e-3],
    [-0.4, 0.05, 0.3, 2],
    [0.2, 0.2, -0.1, -0.5],
  ];
  const gb = [
    [1, -0.5],
    [0.25, 0.25],
    [-3, 0.01],
  ];
  const lr = 0.01;
  const opt = new AdamW(vars, [
    { paths: ["a.weight"], lrScale: 1, weightDecay: 0.05 },
    { paths: ["a.bias"], lrScale: 10, weightDecay: 0 },
  ]);
  for (let i = 0; i < 3; i++) {
    const grads = new Map<string, tf.Tensor>([
      ["a.weight", tf.tensor2d(ga[i], [2, 2])],
      ["a.bias", tf.tensor1d(gb[i])],
    ]);
    await opt.apply(grads, lr);
    tf.dispose([...grads.values()]);
    near(vars.get("a.weight")!.dataSync(), adamwRef(a0, ga.slice(0, i + 1), lr, 0.05), 2e-6, `weight after ${i + 1}`);
    near(vars.get("a.bias")!.dataSync(), adamwRef(b0, gb.slice(0, i + 1), lr * 10, 0), 2e-6, `bias after ${i + 1}`);
  }
  // Decay matters: without it the weight ends elsewhere.
  const noDecay = adamwRef(a0, ga, lr, 0);
  assert.ok(Math.abs(noDecay[2] - adamwRef(a0, ga, lr, 0.05)[2]) > 1e-5);
  assert.is(opt.step, 3);
  opt.dispose();
  tf.dispose([...vars.values()]);
});

test("AdamW: exported moments restore into a fresh optimizer and continue identically", async () => {
  const mk = () => new Map([["w", tf.variable(tf.tensor1d([1, 2, 3]))]]);
  const g = (i: number) => new Map([["w", tf.tensor1d([0.1 * i, -0.2, 0.3 / i])]]);
  const va = mk(),
    vb = mk();
  const groups = [{ paths: ["w"], lrScale: 1, weightDecay: 0.1 }];
  const a = new AdamW(va, groups);
  for (let i = 1; i <= 2; i++) await a.apply(g(i), 0.05);
  const b = new AdamW(vb, groups);
  vb.get("w")!.assign(va.get("w")!);
  assert.equal(b.importState(a.step, await a.exportState()), []);
  await a.apply(g(3), 0.05);
  await b.apply(g(3), 0.05);
  assert.equal([...vb.get("w")!.dataSync()], [...va.get("w")!.dataSync()]);
  assert.equal(b.importState(1, new Map()), ["exp_avg.w", "exp_avg_sq.w"]);
  a.dispose();
  b.dispose();
});

test("AdamW: host moments (wasm's default) and moments in tf variables both follow float64 PyTorch, moments included, and no tensor stays behind", async () => {
  const shape = [3, 5];
  const w0 = Array.from({ length: 15 }, (_, i) => Math.fround(Math.sin(i + 1)));
  const g = (k: number) => Array.from({ length: 15 }, (_, i) => Math.fround(Math.cos(3 * i + k) * 10 ** ((i % 5) - 2)));
  const run = async (hostMoments: boolean) => {
    const vars = new Map([["w", tf.variable(tf.tensor(w0, shape))]]);
    const opt = new AdamW(vars, [{ paths: ["w"], lrScale: 1, weightDecay: 0.05 }], {}, hostMoments);
    const live = tf.memory().numTensors;
    for (let k = 1; k <= 4; k++) {
      const grad = tf.tensor(g(k), shape);
      await opt.apply(new Map([["w", grad]]), 0.01);
      grad.dispose();
    }
    const leaked = tf.memory().numTensors - live;
    const state = await opt.exportState();
    const out = {
      w: [...vars.get("w")!.dataSync()],
      m: [...state.get("exp_avg.w")!.data],
      v: [...state.get("exp_avg_sq.w")!.data],
      leaked,
      threads: opt.updateThreads,
    };
    opt.dispose();
    vars.get("w")!.dispose();
    return out;
  };
  assert.ok(new AdamW(new Map(), []).hostMoments, "wasm keeps moments on the host by default");
  const want = adamwRefState(w0, [1, 2, 3, 4].map(g), 0.01, 0.05);
  for (const hostMoments of [true, false]) {
    const got = await run(hostMoments);
    near(got.w, want.x, 2e-6, `weights (host moments: ${hostMoments})`);
    near(got.m, want.m, 1e-6, `exp_avg (host moments: ${hostMoments})`);
    near(got.v, want.v, 1e-6, `exp_avg_sq (host moments: ${hostMoments})`);
    assert.ok(
      got.w.every((x, i) => x !== w0[i]),
      "the weights moved",
    );
    assert.is(got.leaked, 0);
    assert.is(got.threads, hostMoments ? 1 : 0, "one thread on a 1-thread wasm, none without host moments");
  }
});

test("host AdamW: values split over 3 threads (2 workers) give the bits of one thread, across parameter boundaries", async () => {
  // a stand-in heap in shared memory: parameters, gradients and outputs end to end, sizes that do not divide evenly
  const sizes = [70_001, 3, 129_999, 5, 65_536];
  const total = sizes.reduce((a, b) => a + b, 0);
  const run = async (threads: number) => {
    const heap = new Float32Array(new SharedArrayBuffer(4 * 3 * total));
    for (let i = 0; i < 2 * total; i++) heap[i] = Math.sin(i * 0.37) * (i < total ? 1 : 10 ** ((i % 7) - 4));
    const m = new Float32Array(new SharedArrayBuffer(4 * total)).fill(0.01);
    const v = new Float32Array(new SharedArrayBuffer(4 * total)).fill(1e-4);
    const jobs: number[] = [];
    let at = 0;
    for (const [i, n] of sizes.entries()) {
      jobs.push(at, total + at, 2 * total + at, at, n, 1 - 1e-4 * (i % 2), 1e-3 * (i + 1));
      at += n;
    }
    const host = new HostAdamW(threads);
    try {
      await host.run(heap.buffer, m, v, Float64Array.from(jobs), { b1: 0.9, b2: 0.98, eps: 1e-8, sqrtBc2: 0.2 });
      assert.is(host.lastThreads, threads);
    } finally {
      host.close();
    }
    return { out: heap.slice(2 * total), m, v };
  };
  const one = await run(1);
  const three = await run(3);
  assert.ok(
    one.out.every((x) => x !== 0),
    "every output written",
  );
  assert.ok(Buffer.from(one.out.buffer).equals(Buffer.from(three.out.buffer)), "parameters");
  assert.ok(Buffer.from(one.m.buffer).equals(Buffer.from(three.m.buffer)), "exp_avg");
  assert.ok(Buffer.from(one.v.buffer).equals(Buffer.from(three.v.buffer)), "exp_avg_sq");
});

test("AdamW on wasm with 2 threads: the update split over the shared heap gives the bits of one thread", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "test/train/fixtures/adamw-threads.ts"], {
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.equal([out.threads, out.heapShared], [2, true], "a threaded wasm module with shared memory");
  assert.equal(out.one.used, [1, 1, 1]);
  assert.equal(out.two.used, [2, 2, 2], "the main thread and one worker");
  assert.ok(out.one.moved, "the weights moved");
  assert.equal(out.two.weights, out.one.weights);
  assert.equal(out.two.moments, out.one.moments);
  assert.is(out.leaked, 0);
});

test("groupsFor: the X-CLIP recipe, its x10 groups as models/xclip.mdl declares them", () => {
  const paths = [
    "visual.conv1.weight",
    "visual.class_embedding",
    "visual.positional_embedding",
    "visual.ln_pre.weight",
    "visual.transformer.resblocks.0.attn.in_proj_weight",
    "visual.transformer.resblocks.0.attn.in_proj_bias",
    "visual.transformer.resblocks.0.ln_1.bias",
    "visual.transformer.resblocks.0.message_fc.weight",
    "visual.transformer.resblocks.0.message_ln.weight",
    "mit.transformer.resblocks.0.mlp.c_fc.weight",
    "mit.positional_embedding",
    "prompts_generator.alpha",
    "prompts_generator.decoder.0.norm1.weight",
    "logit_scale",
    "kernel.weight",
  ];
  const declared = xclipIr().train?.lr ?? [];
  assert.ok(declared.length, "models/xclip.mdl declares its learning-rate groups");
  const tree = { modules: [], params: paths.map((path) => ({ path })) };
  const lrScale = new Map(
    declared.flatMap((g) => [...selectParams(tree, g.pattern)].map((p) => [p, g.scale] as const)),
  );
  const groups = groupsFor(paths, { baseDecay: 0.001, lrScale });
  const where = (p: string) => groups.find((g) => g.paths.includes(p))!;
  const expect: [string, number, number][] = [
    ["visual.conv1.weight", 1, 0.001],
    ["visual.class_embedding", 1, 0],
    ["visual.positional_embedding", 1, 0],
    ["visual.ln_pre.weight", 1, 0],
    ["visual.transformer.resblocks.0.attn.in_proj_weight", 1, 0.001],
    ["visual.transformer.resblocks.0.attn.in_proj_bias", 1, 0],
    ["visual.transformer.resblocks.0.ln_1.bias", 1, 0],
    ["visual.transformer.resblocks.0.message_fc.weight", 10, 0.001],
    ["visual.transformer.resblocks.0.message_ln.weight", 10, 0],
    ["mit.transformer.resblocks.0.mlp.c_fc.weight", 10, 0.001],
    ["mit.positional_embedding", 10, 0],
    ["prompts_generator.alpha", 10, 0],
    ["prompts_generator.decoder.0.norm1.weight", 10, 0],
    ["logit_scale", 1, 0],
    ["kernel.weight", 1, 0.001],
  ];
  for (const [p, lrScale, wd] of expect) {
    assert.is(where(p).lrScale, lrScale, `${p} lr`);
    assert.is(where(p).weightDecay, wd, `${p} decay`);
  }
  assert.is(groups.length, 4);
  assert.is(
    groups.reduce((n, g) => n + g.paths.length, 0),
    paths.length,
  );
  assert.ok(isNoDecay("visual.kernel_ln.weight"));
  assert.not.ok(isNoDecay("visual.kiln.weight"));
});

test.run();
