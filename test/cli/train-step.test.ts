/**
 * The training step from the command line: `mdl ir --train` prints it (and --freeze leaves the frozen tower
 * without backward work), `mdl export --format onnx --train` writes it as a file ONNX's full checker accepts,
 * and one step of that file on ONNX Runtime gives the official logits' loss and moves each weight by about lr,
 * as AdamW's first step does.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSession, ortMissing } from "../../src/runtime/onnx/session.ts";
import { loadCheckpoint } from "../../src/runtime/weights/load.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";
import { needs, TORCH_PYTHON } from "../helpers/requires.ts";
import { FIXTURES } from "../run/helpers.ts";

// the published entry point: it loads chevrotain's bundle, half the start-up of `node --import tsx src/cli/main.ts`
const mdl = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/mdl.js", ...args], { encoding: "utf8", maxBuffer: 1 << 28 });

const dir = mkdtempSync(join(tmpdir(), "mdl-train-step-"));
const TINY = ["models/xclip.mdl", "--preset", "tiny"];
// XCLIP's text tower is `use encode_text`: its parameters sit at the root (the official keys), its nodes in scope encode_text
const TEXT_PARAM = /^(transformer\.|token_embedding\.|ln_final\.|text_projection$|positional_embedding$)/;

const onnxMissing = (() => {
  const r = spawnSync(TORCH_PYTHON, ["-c", "import onnx"], { encoding: "utf8" });
  return r.status === 0 ? undefined : `${TORCH_PYTHON} cannot import onnx (apt-get install python3-onnx)`;
})();
const withOnnx = needs(test, onnxMissing);
const withOrt = needs(test, await ortMissing());

function ok(...args: string[]) {
  const r = mdl(...args);
  assert.is(r.status, 0, `mdl ${args.join(" ")}: ${r.stderr}`);
  return r;
}

/** The printed program: its `let` lines, input and output port names, and the `#` header. */
function program(text: string) {
  const lines = text.split("\n");
  const lambda = lines.find((l) => l.startsWith("{ lambda "))!;
  const result = lines.find((l) => l.trimStart().startsWith("in ( "))!;
  return {
    header: lines.filter((l) => l.startsWith("# ")),
    lets: lines.filter((l) => l.startsWith("    let %")),
    inputs: [...lambda.matchAll(/ ([\w.]+):/g)].map((m) => m[1]),
    outputs: [...result.matchAll(/([\w.]+)=%/g)].map((m) => m[1]),
  };
}
const inScope = (lets: string[], scope: string) =>
  lets.filter((l) => l.endsWith(`# ${scope}`) || l.includes(`# ${scope}.`)).length;

test("mdl ir --train prints the step: loss, next.<param> and the moments for every tower; AdamW's scalars come in", () => {
  const p = program(ok("ir", ...TINY, "--train").stdout);
  assert.match(p.header[0], /^# XCLIP\.train_step: the update phase$/);
  assert.match(p.header[1], /trains 98 of 98 parameters .*label smoothing 0\.1/);
  assert.is(p.outputs[0], "loss");
  for (const path of [
    "visual.conv1.weight",
    "mit.resblocks.0.attn.in_proj_weight",
    "transformer.resblocks.0.attn.in_proj_weight",
    "logit_scale",
  ])
    for (const out of [`next.${path}`, `next.exp_avg.${path}`, `next.exp_avg_sq.${path}`])
      assert.ok(p.outputs.includes(out), out);
  for (const name of ["video", "text", "labels", "lr", "bias1", "bias2_sqrt", "exp_avg.logit_scale"])
    assert.ok(p.inputs.includes(name), name);
  assert.is(p.outputs.length, 1 + 3 * 98);
});

test("--freeze encode_text: no next.* for the text tower, and its scope holds only the forward's nodes", () => {
  const forward = program(ok("ir", ...TINY).stdout);
  const all = program(ok("ir", ...TINY, "--train").stdout);
  const frozen = program(ok("ir", ...TINY, "--train", "--freeze", "encode_text").stdout);
  const nexts = (q: typeof all) =>
    q.outputs.filter((o) => o.startsWith("next.") && !o.startsWith("next.exp_avg")).map((o) => o.slice(5));
  assert.ok(
    nexts(all).filter((p) => TEXT_PARAM.test(p)).length === 17,
    "unfrozen, the text tower's 17 parameters train",
  );
  assert.equal(
    nexts(frozen).filter((p) => TEXT_PARAM.test(p)),
    [],
  );
  assert.is(nexts(frozen).length, 98 - 17);
  assert.ok(
    !frozen.inputs.some((i) => i.startsWith("exp_avg") && TEXT_PARAM.test(i.replace(/^exp_avg(_sq)?\./, ""))),
    "no moments for frozen parameters",
  );
  assert.ok(frozen.lets.length < all.lets.length);
  const textNodes = inScope(forward.lets, "encode_text");
  assert.ok(textNodes > 20);
  assert.ok(inScope(all.lets, "encode_text") > textNodes, "unfrozen, the backward runs through the text tower");
  assert.is(inScope(frozen.lets, "encode_text"), textNodes, "frozen, only the forward runs there");
});

test("--accum 2: update takes the gradient sums so far; --phase accumulate returns them and takes no AdamW state", () => {
  const update = program(ok("ir", ...TINY, "--train", "--accum", "2").stdout);
  assert.ok(update.header.some((l) => l.includes("also an `accumulate` program")));
  assert.ok(update.inputs.includes("grad.visual.conv1.weight") && update.inputs.includes("lr"));
  assert.ok(update.outputs.includes("next.visual.conv1.weight"));
  const acc = program(ok("ir", ...TINY, "--train", "--accum", "2", "--phase", "accumulate").stdout);
  assert.match(acc.header[0], /the accumulate phase of 2 micro-batches/);
  assert.ok(acc.inputs.includes("grad.visual.conv1.weight"));
  assert.ok(!acc.inputs.includes("lr") && !acc.inputs.some((i) => i.startsWith("exp_avg")));
  assert.is(acc.outputs.filter((o) => o.startsWith("next.grad.")).length, 98);
  assert.ok(!acc.outputs.some((o) => o.startsWith("next.") && !o.startsWith("next.grad.")));
});

test("mdl ir --train --json is the step's IR; --weight-decay and --lr-group reach its groups", () => {
  const ir = JSON.parse(ok("ir", ...TINY, "--train", "--json").stdout);
  assert.is(ir.model, "XCLIP.train_step");
  assert.is(ir.graph.outputs[0].name, "loss");
  const p = program(ok("ir", ...TINY, "--train", "--weight-decay", "0", "--lr-group", "**=2").stdout);
  assert.match(p.header[1], /\(98 at lr x2, decay 0\)/);
});

test("bad training flags are catalogued usage errors: exit 2, no stack trace", () => {
  for (const [args, code] of [
    [["--train", "--accum", "0"], "MDL005"],
    [["--train", "--smoothing", "1"], "MDL006"],
    [["--train", "--lr-group", "mit"], "MDL455"],
    [["--train", "--phase", "sideways"], "MDL001"],
    [["--train", "--phase", "accumulate"], "MDL001"],
    [["--freeze", "encode_text"], "MDL001"],
  ] as const) {
    const r = mdl("ir", ...TINY, ...args);
    assert.is(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.ok(r.stderr.includes(`error ${code}`), `${args.join(" ")}: ${r.stderr}`);
    assert.not.match(r.stderr, /\n\s+at /, "no stack trace");
  }
  const torch = mdl("export", ...TINY, "--format", "torch", "--freeze", "encode_text", "-o", join(dir, "m.py"));
  assert.is(torch.status, 2);
  assert.match(torch.stderr, /--freeze applies only with --format onnx --train/);
});

withOnnx("mdl export --format onnx --train: every phase passes ONNX's full checker", () => {
  const files = [
    ["step.onnx", []],
    ["step-frozen.onnx", ["--freeze", "encode_text"]],
    ["step-update2.onnx", ["--accum", "2"]],
    ["step-accumulate2.onnx", ["--accum", "2", "--phase", "accumulate"]],
  ] as const;
  for (const [name, extra] of files)
    ok("export", ...TINY, "--format", "onnx", "--train", ...extra, "-o", join(dir, name));
  const check = `import json, onnx, sys
ports = []
for path in sys.argv[1:]:
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    ports.append({"inputs": [i.name for i in m.graph.input], "outputs": [o.name for o in m.graph.output]})
print(json.dumps(ports))`;
  const r = spawnSync(TORCH_PYTHON, ["-c", check, ...files.map(([n]) => join(dir, n))], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  assert.is(r.status, 0, r.stderr);
  const [all, frozen, update, accumulate] = JSON.parse(r.stdout) as { inputs: string[]; outputs: string[] }[];
  // the parameters are inputs, frozen ones included (the forward reads them); moments only for trained ones
  for (const { inputs } of [all, frozen, update, accumulate])
    assert.ok(inputs.includes("visual.conv1.weight") && inputs.includes("transformer.resblocks.0.attn.in_proj_weight"));
  assert.ok(all.inputs.includes("exp_avg.transformer.resblocks.0.attn.in_proj_weight"));
  assert.ok(all.outputs.includes("next.transformer.resblocks.0.attn.in_proj_weight"));
  assert.ok(!frozen.inputs.includes("exp_avg.transformer.resblocks.0.attn.in_proj_weight"));
  assert.ok(!frozen.outputs.includes("next.transformer.resblocks.0.attn.in_proj_weight"));
  assert.ok(
    update.inputs.includes("grad.visual.conv1.weight") && accumulate.inputs.includes("grad.visual.conv1.weight"),
  );
  // accumulate's sums go out as next.grad.<path>: ONNX names an output apart from every input
  assert.ok(accumulate.outputs.includes("next.grad.visual.conv1.weight"));
  assert.ok(!accumulate.outputs.some((o) => accumulate.inputs.includes(o)));
});

withOrt(
  "one exported step on ONNX Runtime: the official logits' loss, and AdamW's first step moves each weight by at most lr",
  async () => {
    const weights = `${FIXTURES}/xclip-tiny-e64/weights.safetensors`;
    const file = join(dir, "step-e64.onnx");
    // one rate for every group, so the bound is one number; the checkpoint only binds the hyperparameters
    const r = ok(
      "export",
      "models/xclip.mdl",
      "--weights",
      weights,
      "--format",
      "onnx",
      "--train",
      "--lr-group",
      "**=1",
      "-o",
      file,
    );
    assert.match(r.stderr, /its tensors are not in the file/);
    const ckpt = loadCheckpoint(weights).tensors;
    const io = loadCheckpoint(`${FIXTURES}/xclip-tiny-e64/io.safetensors`).tensors;
    const session = await createSession(file, { threads: 1 });
    const lr = 1e-3;
    const wd = 0.001;
    const t = 1;
    const labels = [2, 0];
    const scalar = (x: number): HostTensor => ({ dtype: "f32", shape: [], data: Float32Array.of(x) });
    const zerosLike = (path: string): HostTensor => ({
      dtype: "f32",
      shape: ckpt.get(path)!.shape,
      data: new Float32Array(ckpt.get(path)!.data.length),
    });
    const feeds: Record<string, HostTensor> = {
      video: io.get("input.video")!,
      text: io.get("input.text")!,
      labels: { dtype: "i32", shape: [2], data: Int32Array.from(labels) },
      lr: scalar(lr),
      bias1: scalar(1 - 0.9 ** t),
      bias2_sqrt: scalar(Math.sqrt(1 - 0.98 ** t)),
    };
    for (const name of session.inputNames) {
      if (name in feeds) continue;
      const moment = name.match(/^exp_avg(?:_sq)?\.(.*)$/);
      feeds[name] = moment ? zerosLike(moment[1]) : ckpt.get(name)!;
      assert.ok(feeds[name], `the checkpoint has ${name}`);
    }
    const out = await session.run(feeds);
    await session.dispose();

    // the loss from the official PyTorch logits of the same inputs, smoothed as the step does (0.1 over K = 3)
    const logits = io.get("out.logits")!.data as Float32Array;
    let want = 0;
    for (let b = 0; b < 2; b++) {
      const row = Array.from(logits.subarray(b * 3, b * 3 + 3));
      const top = Math.max(...row);
      const logp = row.map((x) => x - top - Math.log(row.reduce((a, y) => a + Math.exp(y - top), 0)));
      want -= (0.9 * logp[labels[b]] + (0.1 * logp.reduce((a, x) => a + x, 0)) / 3) / 2;
    }
    const loss = out.loss.data[0] as number;
    assert.ok(Number.isFinite(loss));
    assert.ok(Math.abs(loss - want) < 1e-5, `loss ${loss}, from the official logits ${want}`);

    // first step: m^ = g, sqrt(v^) = |g|, so p' = p (1 - lr wd) - lr g / (|g| + eps)
    let moved = 0;
    let total = 0;
    const nexts = session.outputNames.filter((n) => n.startsWith("next.") && !n.startsWith("next.exp_avg"));
    assert.is(nexts.length, session.inputNames.filter((n) => ckpt.has(n)).length, "every parameter trains");
    for (const name of nexts) {
      const before = feeds[name.slice(5)].data as Float32Array;
      const after = out[name].data as Float32Array;
      for (let i = 0; i < before.length; i++) {
        const step = Math.abs(after[i] - before[i]);
        const bound = lr * (1 + wd * Math.abs(before[i])) * (1 + 1e-6) + 2 ** -22 * Math.abs(before[i]);
        if (!(step <= bound)) assert.unreachable(`${name}[${i}] moved by ${step}, more than lr`);
        if (Math.abs(step - lr) < 0.01 * lr) moved++;
        total++;
      }
    }
    // every weight with a gradient moves by lr; the vocabulary rows no text uses only decay
    assert.ok(moved > 0.85 * total, `${moved} of ${total} weights moved by lr`);
  },
);

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
