/**
 * `mdl predict` as a user runs it: outputs written as out.<name> that match the reference, and every input
 * problem (hostile or broken checkpoint, missing or malformed inputs, wrong shape) refused with exit code 2,
 * one message naming the file, and no stack trace.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSafetensors, writeSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { CLI, FIXTURES } from "./helpers.ts";

const MARKER = "/tmp/mdl-pickle-executed";
const E64 = `${FIXTURES}/xclip-tiny-e64`;
const dir = mkdtempSync(join(tmpdir(), "mdl-predict-"));

const predict = (...args: string[]) =>
  spawnSync(process.execPath, [...CLI, "predict", "--threads", "1", ...args], { encoding: "utf8", timeout: 120_000 });

function refused(r: ReturnType<typeof predict>, file: string, code: string): void {
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, `${file}`);
  assert.match(r.stderr, `error ${code}`);
  assert.not.match(r.stderr, /\n\s+at /, "no stack trace");
  assert.is(
    r.stderr
      .trim()
      .split("\n")
      .filter((l) => / error MDL/.test(l) || /^error MDL/.test(l)).length,
    1,
    r.stderr,
  );
}

for (const runtime of ["onnx", "tfjs"]) {
  test(`X-CLIP from the official .pth with --weights as the only model flag (--runtime ${runtime}): logits as out.logits, coverage on stderr`, () => {
    const out = join(dir, `out-${runtime}.safetensors`);
    const r = predict(
      "models/xclip.mdl",
      "--weights",
      `${E64}/checkpoint-official-layout.pth`,
      "--inputs",
      `${E64}/io.safetensors`,
      "--out",
      out,
      "--runtime",
      runtime,
    );
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, "loaded 123 of 123 parameters");
    const got = readSafetensors(out).tensors;
    assert.equal([...got.keys()], ["out.logits"]);
    const ref = readSafetensors(`${E64}/io.safetensors`).tensors.get("out.logits")!;
    const a = got.get("out.logits")!.data as Float32Array;
    const b = ref.data as Float32Array;
    assert.equal(got.get("out.logits")!.shape, [2, 3]);
    let num = 0,
      den = 0;
    for (let i = 0; i < b.length; i++) ((num += (a[i] - b[i]) ** 2), (den += b[i] ** 2));
    assert.ok(Math.sqrt(num / den) <= 1e-5, `${Math.sqrt(num / den)}`);
    assert.equal(
      readdirSync(dir).filter((f) => f.endsWith(".tmp")),
      [],
      "no temp file left",
    );
  });
}

test("an incomplete checkpoint: missing params keep their init and are listed; --strict refuses it", () => {
  const w = readSafetensors(`${E64}/weights.safetensors`).tensors;
  w.delete("prompts_generator.alpha");
  w.set("extra.weight", { dtype: "f32", shape: [1], data: new Float32Array([1]) });
  const partial = join(dir, "partial.safetensors");
  writeSafetensors(partial, w);
  const out = join(dir, "partial-out.safetensors");
  const ok = predict("models/xclip.mdl", "--weights", partial, "--inputs", `${E64}/io.safetensors`, "--out", out);
  assert.is(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, "loaded 122 of 123 parameters");
  assert.match(ok.stderr, /missing from the checkpoint \(1\):\n\s+prompts_generator\.alpha/);
  assert.match(ok.stderr, /not parameters of the model \(1\):\n\s+extra\.weight/);
  const strict = predict(
    "models/xclip.mdl",
    "--weights",
    partial,
    "--inputs",
    `${E64}/io.safetensors`,
    "--out",
    out,
    "--strict",
  );
  refused(strict, partial, "MDL507");
});

test("every hostile file is refused by name with exit code 2; no pickled code runs", () => {
  rmSync(MARKER, { force: true });
  const expected: Record<string, string> = {
    "evil-os-system.pth": "MDL505",
    "evil-legacy.pth": "MDL505",
    "header-too-long.safetensors": "MDL504",
    "offsets-past-end.safetensors": "MDL503",
    "shape-mismatch.safetensors": "MDL504",
    "truncated.pth": "MDL503",
    "truncated.safetensors": "MDL503",
    "README.md": "MDL502",
  };
  const files = readdirSync(`${FIXTURES}/hostile`);
  assert.equal(files.sort(), Object.keys(expected).sort(), "a new hostile file needs an expected code here");
  for (const f of files) {
    const path = `${FIXTURES}/hostile/${f}`;
    refused(
      predict(
        "models/xclip.mdl",
        "--weights",
        path,
        "--inputs",
        `${E64}/io.safetensors`,
        "--out",
        join(dir, "x.safetensors"),
      ),
      path,
      expected[f],
    );
  }
  assert.not.ok(existsSync(MARKER), `${MARKER} appeared`);
  assert.not.ok(existsSync(join(dir, "x.safetensors")));
});

test("input problems: missing file, not safetensors, a missing input, a wrong shape, a float where ids go", () => {
  const w = ["models/xclip.mdl", "--weights", `${E64}/weights.safetensors`, "--out", join(dir, "y.safetensors")];
  refused(predict(...w, "--inputs", join(dir, "nope.safetensors")), join(dir, "nope.safetensors"), "MDL501");
  const text = join(dir, "text.safetensors");
  writeFileSync(text, "hello, not tensors");
  refused(predict(...w, "--inputs", text), text, "MDL504");
  const io = readSafetensors(`${E64}/io.safetensors`).tensors;
  const only = (edit: (m: typeof io) => void, name: string) => {
    const m = new Map(io);
    edit(m);
    writeSafetensors(join(dir, name), m);
    return join(dir, name);
  };
  const noText = only((m) => m.delete("input.text"), "no-text.safetensors");
  refused(predict(...w, "--inputs", noText), noText, "MDL403");
  const video = io.get("input.video")!;
  const small = only(
    (m) =>
      m.set("input.video", {
        dtype: "f32",
        shape: [2, 3, 3, 32, 32],
        data: (video.data as Float32Array).slice(0, 2 * 3 * 3 * 32 * 32),
      }),
    "t3.safetensors",
  );
  const r = predict(...w, "--inputs", small);
  refused(r, small, "MDL404");
  assert.match(r.stderr, "input `video` must have shape [B, 4, 3, 32, 32], got [2, 3, 3, 32, 32]");
  const text32 = io.get("input.text")!;
  const floatIds = only(
    (m) =>
      m.set("input.text", {
        dtype: "f32",
        shape: text32.shape,
        data: new Float32Array(text32.shape[0] * text32.shape[1]),
      }),
    "float-ids.safetensors",
  );
  refused(predict(...w, "--inputs", floatIds), floatIds, "MDL406");
  assert.not.ok(existsSync(join(dir, "y.safetensors")));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
