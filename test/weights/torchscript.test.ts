/**
 * TorchScript archives as OpenAI releases CLIP: written by torch.jit.save from OpenAI's own clip/model.py
 * (test/weights/fixtures/make-torchscript.py). The reference is torch's: the state dict the model was built
 * from, the traced module's state_dict() names and buffers, and its logits on the fixture's inputs.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCheckpoint } from "../../src/runtime/weights/load.ts";
import { decodePth, decodePthDetailed } from "../../src/runtime/weights/pth.ts";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { f16BitsToNumber, toFloat32, type HostTensor } from "../../src/runtime/weights/tensor.ts";
import { readZip } from "../../src/runtime/weights/zip.ts";
import { relError } from "../helpers/rel-error.ts";
import { FIXTURES, LOCAL, assertSameTensors, sameBits } from "./helpers.ts";

const TINY = `${FIXTURES}/clip-tiny`;
interface Traced {
  state_dict: string[];
  buffers: string[];
  dtypes: Record<string, string>;
  logits_per_image: number[][];
  logits_per_text: number[][];
}
const IO = JSON.parse(readFileSync(`${TINY}/openai-jit-io.json`, "utf8")) as Record<
  "openai-jit.pt" | "openai-jit-fp16.pt",
  Traced
>;
const pth = (path: string) => decodePth(readFileSync(path), path);
const BUFFERS = ["input_resolution", "context_length", "vocab_size"];

/** The notes a CLIP archive must give: its buffers by name, and constants.pkl with as many tensors as constants/ holds. */
function assertNotes(notes: string[], path: string): void {
  const constants = readZip(readFileSync(path), path)
    .names()
    .filter((n) => /\/constants\/\d+$/.test(n)).length;
  assert.equal(notes, [
    `TorchScript archive: ignored 3 buffers, state that is not a parameter: ${BUFFERS.join(", ")}`,
    `TorchScript archive: ignored constants.pkl, ${constants} tensors the traced code uses (attention masks and the like), not parameters`,
  ]);
}

test("clip-tiny/openai-jit.pt: the parameters of weights.pth bit for bit, in state_dict() order, its buffers named in a note", () => {
  const path = `${TINY}/openai-jit.pt`;
  const d = decodePthDetailed(readFileSync(path), path);
  assert.is(d.format, "torchscript");
  assertSameTensors(d.tensors, pth(`${TINY}/weights.pth`), "openai-jit.pt");
  const traced = IO["openai-jit.pt"];
  assert.equal(traced.buffers, BUFFERS);
  assert.equal(
    [...d.tensors.keys()],
    traced.state_dict.filter((n) => !traced.buffers.includes(n)),
  );
  assert.ok(d.tensors.has("visual.transformer.resblocks.0.attn.in_proj_weight"));
  assertNotes(d.notes, path);
  const ckpt = loadCheckpoint(path);
  assert.is(ckpt.format, "torchscript");
  assertSameTensors(ckpt.tensors, d.tensors, "via loadCheckpoint");
});

test("clip-tiny/openai-jit-fp16.pt: convert_weights' dtype mix; its f16 tensors are torch's own rounding (weights-fp16.pth), the rest weights.pth", () => {
  const path = `${TINY}/openai-jit-fp16.pt`;
  const raw = decodePth(readFileSync(path), path);
  const fp32 = pth(`${TINY}/weights.pth`),
    fp16 = pth(`${TINY}/weights-fp16.pth`);
  const traced = IO["openai-jit-fp16.pt"];
  assert.equal(
    [...raw.keys()],
    traced.state_dict.filter((n) => !traced.buffers.includes(n)),
  );
  let halves = 0;
  for (const [name, t] of raw) {
    const dtype = { float16: "f16", float32: "f32" }[traced.dtypes[name]];
    assert.is(t.dtype, dtype, name);
    if (t.dtype === "f16") halves++;
    assert.ok(sameBits(t, (t.dtype === "f16" ? fp16 : fp32).get(name)!), `${name} differs`);
  }
  assert.ok(halves >= 20 && halves < raw.size, `${halves} of ${raw.size} in f16`);
  const ckpt = loadCheckpoint(path);
  assert.equal(ckpt.notes.at(-1), "converted f16 tensors to f32");
  assertNotes(ckpt.notes.slice(0, -1), path);
  for (const [name, t] of raw) {
    const got = ckpt.tensors.get(name)!;
    assert.is(got.dtype, "f32");
    if (t.dtype === "f16") assert.equal([...got.data], [...(t.data as Uint16Array)].map(f16BitsToNumber), name);
  }
});

test("clip-e64/openai-jit.pt (the CLIP X-CLIP starts from): weights.pth bit for bit", () => {
  const path = `${FIXTURES}/clip-e64/openai-jit.pt`;
  const ckpt = loadCheckpoint(path);
  assert.is(ckpt.format, "torchscript");
  assertSameTensors(ckpt.tensors, pth(`${FIXTURES}/clip-e64/weights.pth`), "clip-e64");
  assertNotes(ckpt.notes, path);
});

test("a traced nn.Linear (mangled class name, folder `archive/`): weight and bias as torch lists them", () => {
  const want = JSON.parse(readFileSync(`${LOCAL}/ts-linear.json`, "utf8")) as Record<
    string,
    { shape: number[]; values: number[] }
  >;
  const ckpt = loadCheckpoint(`${LOCAL}/ts-linear.pt`);
  assert.equal([...ckpt.tensors.keys()], Object.keys(want));
  for (const [name, { shape, values }] of Object.entries(want)) {
    assert.equal(ckpt.tensors.get(name)!.shape, shape);
    assert.equal([...ckpt.tensors.get(name)!.data], values.map(Math.fround));
  }
  assert.equal(ckpt.notes, []);
});

const dir = mkdtempSync(join(tmpdir(), "mdl-torchscript-"));
const predict = (weights: string, out: string, ...extra: string[]) =>
  spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/cli/main.ts",
      "predict",
      "--threads",
      "1",
      "models/clip.mdl",
      "--weights",
      weights,
      "--inputs",
      `${TINY}/io.safetensors`,
      "--out",
      out,
      ...extra,
    ],
    { encoding: "utf8", timeout: 120_000 },
  );

function run(file: string, ...extra: string[]): Map<string, HostTensor> {
  const out = join(dir, `${file}-${extra.join("-")}.safetensors`);
  const r = predict(`${TINY}/${file}`, out, ...extra);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, "loaded 62 of 62 parameters");
  return readSafetensors(out).tensors;
}

const flat = (rows: number[][]) => rows.flat();
const io = readSafetensors(`${TINY}/io.safetensors`).tensors;

for (const runtime of ["onnx", "tfjs"]) {
  test(`mdl predict models/clip.mdl --weights openai-jit.pt (--runtime ${runtime}): the traced model's logits within 1e-5`, () => {
    const got = run("openai-jit.pt", "--runtime", runtime);
    const traced = IO["openai-jit.pt"];
    for (const [name, ref] of [
      ["logits_per_image", traced.logits_per_image],
      ["logits_per_text", traced.logits_per_text],
    ] as const) {
      const e = relError(toFloat32(got.get(`out.${name}`)!), flat(ref), name);
      assert.ok(e <= 1e-5, `${name}: ${e}`);
    }
    for (const name of ["out.encode_image", "out.encode_text"])
      assert.ok(relError(toFloat32(got.get(name)!), toFloat32(io.get(name)!), name) <= 1e-5, name);
  });
}

test("mdl predict --weights openai-jit-fp16.pt: torch's logits from the same weights within 1e-5; the fp32 model's under the fp16 rule", () => {
  const got = run("openai-jit-fp16.pt");
  const same = IO["openai-jit-fp16.pt"],
    full = IO["openai-jit.pt"];
  const ours = toFloat32(got.get("out.logits_per_image")!);
  const e = relError(ours, flat(same.logits_per_image), "logits_per_image");
  assert.ok(e <= 1e-5, `against the same weights in fp32: ${e}`);
  assert.ok(
    relError(toFloat32(got.get("out.logits_per_text")!), flat(same.logits_per_text), "logits_per_text") <= 1e-5,
  );
  // test/run/reproduce.ts's fp16 rule: features within 1e-3, logits compared as cosines (each over its own exp(logit_scale)).
  for (const name of ["out.encode_image", "out.encode_text"])
    assert.ok(relError(toFloat32(got.get(name)!), toFloat32(io.get(name)!), name) <= 1e-3, name);
  const scale = (path: string) => Math.exp(loadCheckpoint(path).tensors.get("logit_scale")!.data[0] as number);
  const s16 = scale(`${TINY}/openai-jit-fp16.pt`),
    s32 = scale(`${TINY}/openai-jit.pt`);
  const cos = Math.max(...flat(full.logits_per_image).map((r, i) => Math.abs(ours[i] / s16 - r / s32)));
  assert.ok(cos <= 4e-3, `cosine ${cos}`);
});

test.run();
