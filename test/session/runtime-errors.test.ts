// Failures at run time are catalogued diagnostics: a vocabulary smaller than the token ids (before anything
// runs), nothing left to train, and an engine error inside a kernel (wrapped with op, module path and shapes).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { compile } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import { MdlError } from "../../src/compiler/diagnostics/diagnostic.ts";
import { initBackend } from "../../src/runtime/tfjs/backend.ts";
import { loadSplit } from "../../src/runtime/session/data.ts";
import { fit } from "../../src/runtime/session/fit.ts";
import { recomputePlan } from "../../src/compiler/4-ir/recompute.ts";
import { disposeModel, openModel } from "../../src/runtime/session/model.ts";
import { hostModelInputs } from "../../src/runtime/run/model-inputs.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";
import { cleanup, mdl, scratch, smallData } from "./helpers.ts";
import { failKernel, failureOf } from "./failing-kernel.ts";

test.before(() => initBackend({ backend: "wasm", threads: 1 }).then(() => undefined));
test.after(cleanup);

const smallVocab = () => compile("models/xclip.mdl", fsHost, { preset: "tiny", set: [["vocab", "512"]] }).value!;

const caught = async (f: () => unknown): Promise<MdlError> => {
  try {
    await f();
  } catch (e) {
    if (e instanceof MdlError) return e;
    throw e;
  }
  throw new Error("no error");
};

test("a vocabulary smaller than the tokenizer's ids: MDL453 at the embedding's member, before any step", async () => {
  const train = await loadSplit(smallData(), "train");
  const ir = smallVocab();
  let steps = 0;
  const e = await caught(() =>
    fit({
      ir,
      classes: train.classes,
      entries: train.entries,
      out: scratch("vocab"),
      seed: 0,
      batch: 2,
      steps: 2,
      lr: 1e-3,
      progress: "none",
      onStep: () => steps++,
    }),
  );
  assert.is(e.diagnostic.code, "MDL453");
  assert.match(e.diagnostic.message, "`token_embedding.weight` has 512 rows but the token ids go up to 49407");
  assert.is(e.diagnostic.span?.file, "models/clip.mdl", "located at `token_embedding = Embedding(vocab, width)`");
  assert.ok(
    e.diagnostic.notes?.some((n) => n.message.includes("`vocab` = 512")),
    "says where vocab came from",
  );
  assert.is(steps, 0);
});

test("mdl predict's integer inputs are checked against the embedding the same way", () => {
  const ir = smallVocab();
  const video = { dtype: "f32" as const, shape: [1, 8, 3, 32, 32], data: new Float32Array(8 * 3 * 32 * 32) };
  const ids = new Int32Array(16).fill(3);
  const text = { dtype: "i32" as const, shape: [1, 16], data: ids };
  assert.ok(
    hostModelInputs(
      ir,
      new Map<string, HostTensor>([
        ["input.video", video],
        ["input.text", text],
      ]),
      "in.safetensors",
    ),
  );
  ids[0] = 600;
  const e = (() => {
    try {
      hostModelInputs(
        ir,
        new Map<string, HostTensor>([
          ["input.video", video],
          ["input.text", text],
        ]),
        "in.safetensors",
      );
    } catch (err) {
      return err as MdlError;
    }
  })();
  assert.is(e?.diagnostic.code, "MDL453");
  assert.ok(e?.diagnostic.notes?.some((n) => n.message.includes("in.safetensors")));
});

test("an engine error inside a kernel is MDL454 with the op, its module path and the input shapes", async () => {
  const ir = smallVocab();
  const m = openModel(ir, undefined, { trainable: false, seed: 0 });
  const video = tf.zeros([1, m.frames, 3, m.size, m.size]);
  const text = tf.fill([2, m.context], 49406, "int32");
  const e = await caught(() => m.program!.run({ video, text }, m.params, { training: false }));
  tf.dispose([video, text]);
  disposeModel(m);
  assert.is(e.diagnostic.code, "MDL454");
  const msg = e.diagnostic.message;
  assert.ok(msg.startsWith("`gather` in `encode_text.token_embedding` failed on inputs"), msg);
  assert.ok(msg.includes("[512, 64]") && msg.includes("[2, 16]"), msg);
  assert.ok(msg.includes("49406"), `the engine's reason is kept: ${msg}`);
  assert.is(e.diagnostic.span?.file, "std", "located at the primitive's call");
});

test("a gather out of range inside the graph names the index value, the index tensor's shape and the axis size", async () => {
  const ir = smallVocab();
  const m = openModel(ir, undefined, { trainable: false, seed: 0 });
  const video = tf.zeros([1, m.frames, 3, m.size, m.size]);
  const ids = new Int32Array(2 * m.context).fill(3);
  ids[m.context + 5] = 600;
  const text = tf.tensor2d(ids, [2, m.context], "int32");
  const e = await caught(() => m.program!.run({ video, text }, m.params, { training: false }));
  tf.dispose([video, text]);
  disposeModel(m);
  assert.is(e.diagnostic.code, "MDL454");
  assert.ok(
    e.diagnostic.message.endsWith(
      "`ids` [2, 16] holds 600, out of range for axis 0 of `table` [512, 64] (size 512: ids 0 to 511)",
    ),
    e.diagnostic.message,
  );
});

// The backward walks the graph from the end: the first node of `ops` it reaches is the last in the IR.
const BACKWARD_CASES = [
  // a custom gradient (gather's): its kernels run when the tape entry's gradient is called
  { kernel: "ScatterNd", ops: ["gather", "gather_rows"], recompute: [] as string[] },
  // a registered one (slice's is a pad): its kernels run later, in the per-input functions tfjs calls
  { kernel: "PadV2", ops: ["slice"], recompute: [] },
  // the same, recomputed: the failure is in the backward of the re-run forward, under its own tape
  { kernel: "PadV2", ops: ["slice"], recompute: ["encode_text.transformer.resblocks"] },
];

for (const c of BACKWARD_CASES)
  test(`an engine error in the backward pass (${c.kernel}${c.recompute.length ? `, --recompute ${c.recompute}` : ""}) is MDL454 with the op whose gradient failed, its module path and its forward input shapes`, async () => {
    const train = await loadSplit(smallData(), "train");
    const ir = compile("models/xclip.mdl", fsHost, { preset: "tiny", recompute: c.recompute }).value!;
    const last = ir.graph.nodes.filter((n) => c.ops.includes(n.op)).at(-1)!;
    if (c.recompute.length) {
      const runs = [...recomputePlan(ir).values()];
      const at = ir.graph.nodes.indexOf(last);
      assert.ok(
        runs.some((r) => r.start <= at && at < r.end),
        `${last.op} in ${last.scope} is inside a recomputed run`,
      );
    }
    // its forward inputs, with K (class texts) bound to the data set's classes
    const dims = (a: number) =>
      ir.graph.nodes
        .find((n) => n.id === a)!
        .type.shape.map((d) => (d === "K" ? train.classes.length : d))
        .join(", ");
    let steps = 0;
    const restore = failKernel(c.kernel);
    const e = await caught(() =>
      fit({
        ir,
        classes: train.classes,
        entries: train.entries,
        out: scratch("bwd"),
        seed: 0,
        batch: 2,
        steps: 1,
        lr: 1e-3,
        progress: "none",
        onStep: () => steps++,
      }),
    ).finally(restore);
    assert.is(e.diagnostic.code, "MDL454");
    const msg = e.diagnostic.message;
    assert.ok(msg.startsWith(`\`${last.op}\` in \`${last.scope}\` failed on inputs`), msg);
    assert.ok(
      msg.includes(
        ` failed on inputs ${last.args.map((a) => `${ir.graph.nodes.find((n) => n.id === a)!.type.dtype === "f32" ? "float32" : "int32"}[${dims(a)}]`).join(", ")}: `,
      ),
      msg,
    );
    assert.ok(msg.endsWith(`: ${failureOf(c.kernel)}`), `the engine's first line only: ${msg}`);
    assert.ok(
      e.diagnostic.notes?.some((n) => n.message === `in the backward pass: the gradient of \`${last.op}\``),
      JSON.stringify(e.diagnostic.notes),
    );
    assert.is(steps, 0, "no step was taken");
    // the same training runs once the kernel works again
    await fit({
      ir,
      classes: train.classes,
      entries: train.entries,
      out: scratch("bwd-ok"),
      seed: 0,
      batch: 2,
      steps: 1,
      lr: 1e-3,
      progress: "none",
      onStep: () => steps++,
    });
    assert.is(steps, 1);
  });

test("mdl train: an engine error in the backward pass exits 2 with MDL454 at the op's call in the source and no stack trace", () => {
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--import",
      "./test/session/failing-kernel-preload.ts",
      "src/cli/main.ts",
      "train",
      "models/xclip.mdl",
      "--preset",
      "tiny",
      "--data",
      smallData(),
      "--steps",
      "2",
      "--batch",
      "2",
      "--backend",
      "wasm",
      "--threads",
      "1",
      "--out",
      scratch("bwd-cli"),
    ],
    { encoding: "utf8" },
  );
  assert.is(r.status, 2, r.stderr);
  assert.match(
    r.stderr,
    /^models\/clip\.mdl:\d+:\d+: error MDL454: `gather_rows` in `encode_text` failed on inputs float32\[10, 16, 64\], int32\[10\]: ScatterNd: out of memory in the test's engine$/m,
  );
  assert.match(r.stderr, "in the backward pass: the gradient of `gather_rows`");
  assert.not.match(r.stderr, /\n\s+at /, "no stack trace");
});

test("mdl train: nothing trainable and a small vocabulary exit 2 with the catalogued message and no stack trace", () => {
  const data = smallData();
  const base = [
    "train",
    "models/xclip.mdl",
    "--preset",
    "tiny",
    "--data",
    data,
    "--steps",
    "2",
    "--batch",
    "2",
    "--backend",
    "wasm",
    "--threads",
    "1",
  ];
  const all = mdl(...base, "--out", scratch("all"), "--freeze", "visual", "--freeze", "**");
  assert.is(all.status, 2, all.stderr);
  assert.match(all.stderr, "error MDL452: nothing of `XCLIP` is left to train");
  const vocab = mdl(...base, "--out", scratch("v"), "--set", "vocab=512");
  assert.is(vocab.status, 2, vocab.stderr);
  assert.match(vocab.stderr, /models\/clip\.mdl:\d+:\d+: error MDL453/);
  for (const r of [all, vocab]) assert.not.match(r.stderr, /\n\s+at /, "no stack trace");
});

test.run();
