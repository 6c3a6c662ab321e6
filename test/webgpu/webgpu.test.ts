/**
 * tfjs's webgpu backend in Node (Dawn), on whatever adapter this machine has: SwiftShader in CI (Debian's
 * chromium package). Every webgpu run happens in a child process, so the suite's own process stays on wasm,
 * and several checks share one child where they can (start-up and shader compilation on SwiftShader cost
 * seconds). Without an adapter these tests are skipped with the reason; the failure path is tested always.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { toFloat32 } from "../../src/runtime/weights/tensor.ts";
import { loadCheckpoint, latestCheckpoint } from "../../src/runtime/train/checkpoint.ts";
import { needs, webgpuMissing } from "../helpers/requires.ts";
import { cleanup, scratch, smallData } from "../session/helpers.ts";

test.after(cleanup);
const gpu = needs(test, webgpuMissing());
const node = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ["--import", "tsx", ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 1 << 26,
  });
const mdl = (args: string[], env?: NodeJS.ProcessEnv) => node(["src/cli/main.ts", ...args], env);
const json = (r: ReturnType<typeof node>) => {
  assert.is(r.status, 0, r.stderr);
  // `mdl env --json` prints one indented object; the workers print one line after any tfjs notice.
  const out = r.stdout.trim();
  return JSON.parse(out.startsWith("{") ? out : out.split("\n").pop()!);
};
const mdlLines = (stderr: string) => stderr.split("\n").filter((l) => /MDL\d{3}/.test(l));

test("no usable Vulkan driver: `mdl env --backend webgpu` and `mdl predict --backend webgpu` give one catalogued line and exit 2, no crash", () => {
  const env = { VK_ICD_FILENAMES: "/nonexistent/icd.json" };
  const dir = "test/fixtures/xclip-tiny-e64";
  for (const args of [
    ["env", "--backend", "webgpu"],
    [
      "predict",
      "models/xclip.mdl",
      "--weights",
      `${dir}/weights.safetensors`,
      "--inputs",
      `${dir}/io.safetensors`,
      "--out",
      join(scratch("nogpu"), "o.safetensors"),
      "--backend",
      "webgpu",
    ],
  ]) {
    const r = mdl(args, env);
    assert.is(r.signal, null, `${args[0]} died of ${r.signal}`);
    assert.is(r.status, 2, r.stderr);
    assert.equal(mdlLines(r.stderr).length, 1, r.stderr);
    assert.match(
      mdlLines(r.stderr)[0],
      /error MDL405: backend `webgpu` is not available: no WebGPU adapter on the Vulkan driver configured by VK_ICD_FILENAMES=/,
    );
  }
  // Without --backend, the same machine reports webgpu as unavailable and carries on (exit 0).
  const r = mdl(["env"], env);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /webgpu {3}unavailable: no WebGPU adapter/);
});

gpu("mdl env --backend webgpu names the adapter and its buffer limits", () => {
  const r = json(mdl(["env", "--backend", "webgpu", "--json"]));
  assert.is(r.backend, "webgpu");
  assert.ok(r.webgpu.adapter.limits.maxStorageBufferBindingSize > 0);
  const text = mdl(["env", "--backend", "webgpu"]).stdout;
  assert.match(text, /maxBufferSize \d+ MiB, maxStorageBufferBindingSize \d+ MiB/);
  // A software adapter is never the automatic choice.
  if (r.webgpu.adapter.software) assert.is.not(json(mdl(["env", "--json"])).backend, "webgpu");
});

gpu(
  "a weight larger than one buffer binding is refused before anything is allocated, naming the tensor and the limit",
  () => {
    // fc1.weight is 16385 x 16384 floats: 1.07 GB, above SwiftShader's (and most GPUs') 1 GiB binding limit.
    const r = mdl([
      "predict",
      "test/ir/samples/mlp/input.mdl",
      "--set",
      "d=16384",
      "--set",
      "hidden=16385",
      "--inputs",
      "none.safetensors",
      "--out",
      join(scratch("big"), "o.safetensors"),
      "--backend",
      "webgpu",
    ]);
    assert.is(r.status, 2, r.stderr);
    assert.equal(mdlLines(r.stderr).length, 1, r.stderr);
    assert.match(
      mdlLines(r.stderr)[0],
      /error MDL420: parameter `fc1.weight` takes 1073807360 bytes, more than one GPU buffer binding holds \(maxStorageBufferBindingSize \d+\)/,
    );
  },
);

const FIXTURES: [string, string][] = [
  ["xclip-tiny-e64", "models/xclip.mdl"],
  ["xclip-tiny-e128", "models/xclip.mdl"],
  ["xclip-tiny-mixed", "models/xclip.mdl"],
  ["clip-tiny", "models/clip.mdl"],
];
// Every official layout; the fp16 copies are a precision test (tolerance 1e-3) that the wasm parity test covers.
const LAYOUTS = ["weights.safetensors", "weights.pth", "weights-legacy.pth", "checkpoint-official-layout.pth"];

gpu("mdl predict --backend webgpu reproduces every fixture's outputs (rel err <= 1e-5)", () => {
  const worst: string[] = [];
  for (const [fixture, model] of FIXTURES) {
    const dir = `test/fixtures/${fixture}`;
    const out = join(scratch("predict"), "out.safetensors");
    const r = mdl([
      "predict",
      model,
      "--weights",
      `${dir}/weights.safetensors`,
      "--inputs",
      `${dir}/io.safetensors`,
      "--out",
      out,
      "--backend",
      "webgpu",
      "--strict",
    ]);
    assert.is(r.status, 0, r.stderr);
    const ours = readSafetensors(out).tensors;
    const refs = [...readSafetensors(`${dir}/io.safetensors`).tensors].filter(([n]) => n.startsWith("out."));
    assert.ok(refs.length > 0);
    for (const [name, ref] of refs) {
      const a = toFloat32(ours.get(name)!);
      const b = toFloat32(ref);
      assert.is(a.length, b.length, name);
      let num = 0,
        den = 0;
      for (let i = 0; i < b.length; i++) [num, den] = [num + (a[i] - b[i]) ** 2, den + b[i] ** 2];
      const e = Math.sqrt(num / den);
      assert.ok(e <= 1e-5, `${fixture} ${name}: ${e}`);
      worst.push(`${fixture} ${name} ${e.toExponential(2)}`);
    }
  }
  console.log(`\n  webgpu predict: ${worst.join("; ")}`);
});

gpu(
  "webgpu: every output and intermediate of every fixture and checkpoint layout within 1e-5, no tensor left behind",
  () => {
    const cases = FIXTURES.flatMap(([f, m]) =>
      LAYOUTS.filter((l) => existsSync(`test/fixtures/${f}/${l}`)).map((l) => `${f}:${m}:${l}`),
    );
    const r = json(node(["test/webgpu/fixtures/parity-worker.ts", "webgpu", ...cases]));
    assert.is(r.engine, "tfjs-webgpu");
    assert.is(r.results.length, cases.length);
    for (const x of r.results) {
      assert.ok(x.worst <= 1e-5, `${x.fixture}/${x.file}: ${x.worstName} at ${x.worst}`);
      assert.is(x.leaked, 0, `${x.fixture}/${x.file} left tensors behind`);
    }
    console.log(
      "\n" +
        r.results
          .map(
            (x: { fixture: string; file: string; tensors: number; worst: number; worstName: string }) =>
              `  webgpu ${x.fixture}/${x.file}: ${x.tensors} tensors, worst ${x.worst.toExponential(2)} (${x.worstName})`,
          )
          .join("\n"),
    );
  },
);

gpu("gradients of the tiny X-CLIP on webgpu match wasm (every parameter, rel err <= 1e-4)", () => {
  const dir = scratch("grads");
  const files = ["wasm", "webgpu"].map((b) => {
    const f = join(dir, `${b}.safetensors`);
    const r = node(["test/webgpu/fixtures/grads-worker.ts", b, f]);
    assert.is(r.status, 0, r.stderr);
    return readSafetensors(f).tensors;
  });
  const [cpu, gpuGrads] = files;
  assert.is(gpuGrads.size, cpu.size);
  let worst = 0;
  let worstName = "";
  for (const [name, ref] of cpu) {
    const a = toFloat32(gpuGrads.get(name)!);
    const b = toFloat32(ref);
    let num = 0,
      den = 0;
    for (let i = 0; i < b.length; i++) [num, den] = [num + (a[i] - b[i]) ** 2, den + b[i] ** 2];
    const e = den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    if (!(e <= worst)) [worst, worstName] = [e, name];
  }
  assert.ok(worst <= 1e-4, `${worstName}: ${worst}`);
  console.log(
    `\n  gradients webgpu vs wasm: ${cpu.size - 1} parameters, worst rel err ${worst.toExponential(2)} (${worstName})`,
  );
});

// SwiftShader costs ~25 CPU-seconds per step of the tiny X-CLIP (measured under load; see the report), so the
// run is shared: the uninterrupted webgpu run is compared with wasm, and the kill/resume continues a copy of
// it from its step-15 checkpoint (killed after one more step, then resumed to the end).
const STEPS = Number(process.env.MDL_WEBGPU_TRAIN_STEPS ?? 20);
const EVERY = 5;
const trainArgs = (data: string, out: string, backend: string) => [
  "train",
  "models/xclip.mdl",
  "--preset",
  "tiny",
  "--data",
  data,
  "--out",
  out,
  "--steps",
  String(STEPS),
  "--batch",
  "4",
  "--checkpoint-every",
  String(EVERY),
  "--seed",
  "3",
  "--backend",
  backend,
  "--threads",
  "1",
];
const losses = (out: string) =>
  readFileSync(join(out, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .filter((l) => "loss" in l)
    .map((l) => l.loss as number);

gpu(
  `mdl train --backend webgpu: ${STEPS} steps within 1e-4 of wasm per step; killed and resumed, the same final loss`,
  async () => {
    const data = smallData();
    const onWasm = join(scratch("wasm"), "run");
    const onGpu = join(scratch("webgpu"), "run");
    for (const [out, b] of [
      [onWasm, "wasm"],
      [onGpu, "webgpu"],
    ]) {
      const r = mdl(trainArgs(data, out, b));
      assert.is(r.status, 0, `train on ${b}: ${r.stderr}`);
    }
    const [a, b] = [losses(onWasm), losses(onGpu)];
    assert.is(b.length, STEPS);
    const rel = b.map((x, i) => Math.abs(x - a[i]) / Math.abs(a[i]));
    assert.ok(
      rel.every((r) => r <= 1e-4),
      `per-step relative differences ${rel.map((r) => r.toExponential(1))}`,
    );
    console.log(
      `\n  train webgpu vs wasm: max per-step rel diff ${Math.max(...rel).toExponential(2)} over ${STEPS} steps`,
    );

    // A copy of the run as it stood at its last-but-one checkpoint, as if it had stopped there.
    const killed = join(scratch("killed"), "run");
    cpSync(onGpu, killed, { recursive: true });
    const from = Math.floor((STEPS - 1) / EVERY) * EVERY;
    rmSync(join(killed, `ckpt-${STEPS}`), { recursive: true });
    writeFileSync(join(killed, "latest.json"), JSON.stringify({ checkpoint: `ckpt-${from}`, step: from }) + "\n");
    const lines = readFileSync(join(killed, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .filter((l) => JSON.parse(l).step <= from);
    writeFileSync(join(killed, "metrics.jsonl"), lines.join("\n") + "\n");
    // Resume, and SIGKILL it once it has made one more step (mid-run, between checkpoints).
    await new Promise<void>((done) => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "src/cli/main.ts", ...trainArgs(data, killed, "webgpu"), "--resume"],
        { stdio: "ignore" },
      );
      const poll = setInterval(() => {
        if (losses(killed).length <= from) return;
        clearInterval(poll);
        child.kill("SIGKILL");
      }, 50);
      child.on("exit", () => (clearInterval(poll), done()));
    });
    assert.is(loadCheckpoint(latestCheckpoint(killed)!).state.step, from, "killed before its next checkpoint");
    const resumed = mdl([...trainArgs(data, killed, "webgpu"), "--resume"]);
    assert.is(resumed.status, 0, resumed.stderr);
    const [got, want] = [loadCheckpoint(latestCheckpoint(killed)!).state.metrics.loss!, b[STEPS - 1]];
    assert.ok(
      Math.abs(got - want) <= 1e-6 * Math.abs(want),
      `resumed from step ${from}: ${got} vs uninterrupted ${want}`,
    );
    assert.equal(losses(killed), b, "the resumed run's per-step losses are the uninterrupted run's");
  },
);

// Every step allocates and frees the same tensors, so a leak of even one per step shows from the 2nd step on;
// 5 steps prove flatness at ~2 CPU-minutes on SwiftShader. The long run (issue 9 asks for 200 steps) is
// bench/train-flat.ts, on the worker's lean step (~14 CPU s a step on SwiftShader); its figures are in bench/RESULTS.md.
const FLAT_STEPS = Number(process.env.MDL_WEBGPU_FLAT_STEPS ?? 5);

gpu(`webgpu training keeps the live tensor count flat (${FLAT_STEPS} steps)`, () => {
  const r = json(
    node([
      "test/webgpu/fixtures/steps-worker.ts",
      "webgpu",
      smallData(),
      join(scratch("flat"), "run"),
      String(FLAT_STEPS),
    ]),
  );
  assert.is(r.counts.length, FLAT_STEPS);
  assert.ok(
    r.counts.every((c: number) => c === r.counts[0]),
    `tensor counts ${r.counts}`,
  );
  console.log(
    `\n  webgpu: ${FLAT_STEPS} steps in ${r.seconds.toFixed(1)} s (CPU s per step ${r.cpuSecondsPerStep}), ${r.counts[0]} live tensors after every step`,
  );
});

test.run();
