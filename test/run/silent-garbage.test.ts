/**
 * No silent garbage (issue 26 point 5): each input that used to run with exit 0 and print meaningless numbers
 * is now a catalogued error (exit 2, the file and place named, no stack trace, stderr under 2 KB) or a
 * warning or notice beside unchanged numbers. The model is the tiny X-CLIP fixture with its reference logits.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Diagnostic, MdlError } from "../../src/compiler/diagnostics/diagnostic.ts";
import { readViews } from "../../src/runtime/data/clip-reader.ts";
import { readLabels } from "../../src/runtime/data/dataset.ts";
import { encodePng } from "../../src/runtime/data/png.ts";
import { readSafetensors, writeSafetensors } from "../../src/runtime/weights/safetensors.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";
import { FIXTURES } from "./helpers.ts";

const E64 = `${FIXTURES}/xclip-tiny-e64`;
const IO = `${E64}/io.safetensors`;
const dir = mkdtempSync(join(tmpdir(), "mdl-garbage-"));

const mdl = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/mdl.js", ...args], { encoding: "utf8", timeout: 120_000 });
const predict = (weights: string, inputs: string, out: string, ...more: string[]) =>
  mdl("predict", "models/xclip.mdl", "--threads", "1", "--weights", weights, "--inputs", inputs, "--out", out, ...more);

/** Exit 2, `code` as the one error, `file` named, no stack trace, stderr under 2 KB. */
function refused(r: ReturnType<typeof mdl>, code: string, file: string): void {
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, `error ${code}`);
  assert.match(r.stderr, file);
  assert.not.match(r.stderr, /\n\s+at /, "no stack trace");
  assert.is(r.stderr.match(/error MDL/g)?.length, 1, r.stderr);
  assert.ok(Buffer.byteLength(r.stderr) < 2048, `stderr is ${Buffer.byteLength(r.stderr)} bytes`);
}

/** The run's logits are the fixture's reference within 1e-5 (relative, as predict-cli.test.ts compares them). */
function sameLogits(out: string): void {
  const a = readSafetensors(out).tensors.get("out.logits")!.data as Float32Array;
  const b = readSafetensors(IO).tensors.get("out.logits")!.data as Float32Array;
  let num = 0,
    den = 0;
  for (let i = 0; i < b.length; i++) ((num += (a[i] - b[i]) ** 2), (den += b[i] ** 2));
  assert.ok(Number.isFinite(num) && Math.sqrt(num / den) <= 1e-5, `relative error ${Math.sqrt(num / den)}`);
}

function withTensors(
  name: string,
  edit: (ts: Map<string, HostTensor>) => void,
  from = `${E64}/weights.safetensors`,
): string {
  const ts = readSafetensors(from).tensors;
  edit(ts);
  const file = join(dir, name);
  writeSafetensors(file, ts);
  return file;
}

function setAt(ts: Map<string, HostTensor>, name: string, values: [number, number][]): void {
  const t = ts.get(name)!;
  const data = Float32Array.from(t.data as Float32Array);
  for (const [i, v] of values) data[i] = v;
  ts.set(name, { ...t, data });
}

const nanWeights = withTensors("nan.safetensors", (ts) => {
  setAt(ts, "visual.conv1.weight", [
    [0, NaN],
    [5, NaN],
  ]);
  setAt(ts, "text_projection", [[3, Infinity]]);
});

test("NaN and Inf weights: predict, classify and eval refuse them with the tensors and counts (MDL550)", () => {
  const r = predict(nanWeights, IO, join(dir, "nan-out.safetensors"));
  refused(r, "MDL550", nanWeights);
  assert.match(
    r.stderr,
    "3 weight values are NaN or infinite: 2 tensors: `text_projection` (1 Inf), `visual.conv1.weight` (2 NaN)",
  );
  assert.match(r.stderr, "--allow-nonfinite");
  assert.not.ok(existsSync(join(dir, "nan-out.safetensors")), "nothing written");
  // refused at load, before the video or the vocabulary are looked at
  refused(
    mdl("classify", "models/xclip.mdl", "--weights", nanWeights, "--video", join(dir, "none.mp4"), "--labels", "a,b"),
    "MDL550",
    nanWeights,
  );
  refused(
    mdl("eval", "models/xclip.mdl", "--weights", nanWeights, "--data", join(dir, "no-data")),
    "MDL550",
    nanWeights,
  );
});

test("--allow-nonfinite runs NaN weights with a warning (MDL551); summary and weights warn and exit 0", () => {
  const out = join(dir, "nan-allowed.safetensors");
  const r = predict(nanWeights, IO, out, "--allow-nonfinite");
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, `${nanWeights}: warning MDL551: 3 weight values are NaN or infinite`);
  assert.ok(
    (readSafetensors(out).tensors.get("out.logits")!.data as Float32Array).every(Number.isNaN),
    "the NaN does reach the logits",
  );
  for (const r of [mdl("weights", nanWeights), mdl("summary", "models/xclip.mdl", "--weights", nanWeights)]) {
    assert.is(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      "warning MDL551: 3 weight values are NaN or infinite: 2 tensors: `text_projection` (1 Inf), `visual.conv1.weight` (2 NaN)",
    );
  }
});

test("finite weights and exactly the model's inputs run as before: no MDL55x, the reference logits", () => {
  const out = join(dir, "good.safetensors");
  // the fixture's input.eot_index is a convenience for other tools; the model has no such input
  const inputs = withTensors("inputs-only.safetensors", (ts) => ts.delete("input.eot_index"), IO);
  const r = predict(`${E64}/weights.safetensors`, inputs, out);
  assert.is(r.status, 0, r.stderr);
  assert.not.match(r.stderr, /MDL55\d/);
  sameLogits(out);
});

test("many non-finite tensors: the list is capped with a count of the rest", () => {
  const names = [...readSafetensors(`${E64}/weights.safetensors`).tensors.keys()]
    .filter((n) => n.endsWith(".weight"))
    .slice(0, 40);
  const file = withTensors("many-nan.safetensors", (ts) => names.forEach((n) => setAt(ts, n, [[0, NaN]])));
  const r = predict(file, IO, join(dir, "many-out.safetensors"));
  refused(r, "MDL550", file);
  assert.match(r.stderr, `40 weight values are NaN or infinite: 40 tensors: \`${names[0]}\` (1 NaN)`);
  assert.match(r.stderr, "and 35 more");
});

test("int8 weights for a float parameter are refused naming the tensor and both dtypes (MDL552)", () => {
  const file = withTensors("int8.safetensors", (ts) => {
    const t = ts.get("visual.proj")!;
    ts.set("visual.proj", {
      dtype: "i8",
      shape: t.shape,
      data: Int8Array.from(t.data as Float32Array, (x) => Math.round(x * 100)),
    });
  });
  const r = predict(file, IO, join(dir, "int8-out.safetensors"));
  refused(r, "MDL552", file);
  assert.match(r.stderr, "`visual.proj` is stored as i8 but the model declares it f32");
});

const ioWith = (name: string, edit: (ts: Map<string, HostTensor>) => void) => withTensors(name, edit, IO);

test("NaN and Inf in an input video are refused naming the tensor and the first place (MDL553)", () => {
  for (const [v, label] of [
    [NaN, "NaN"],
    [-Infinity, "-Infinity"],
  ] as const) {
    const file = ioWith(`video-${label}.safetensors`, (ts) =>
      setAt(ts, "input.video", [
        [7, v],
        [100, v],
      ]),
    );
    const r = predict(`${E64}/weights.safetensors`, file, join(dir, "video-out.safetensors"));
    refused(r, "MDL553", file);
    assert.match(
      r.stderr,
      `input \`input.video\` has 2 NaN or infinite values (the first is \`input.video[0, 0, 0, 0, 7]\` = ${label})`,
    );
  }
});

test("a negative token id is refused with its place (MDL554); an id past the vocabulary is still MDL453", () => {
  const ids = (edit: (d: BigInt64Array) => void) => (ts: Map<string, HostTensor>) => {
    const t = ts.get("input.text")!;
    const data = BigInt64Array.from(t.data as BigInt64Array);
    edit(data);
    ts.set("input.text", { ...t, data });
  };
  const neg = ioWith(
    "neg-ids.safetensors",
    ids((d) => (d[17] = -3n)),
  );
  const r = predict(`${E64}/weights.safetensors`, neg, join(dir, "neg-out.safetensors"));
  refused(r, "MDL554", neg);
  assert.match(r.stderr, "token id `text[1, 1]` = -3 is outside the rows 0..511 of `token_embedding.weight`");
  const big = ioWith(
    "big-ids.safetensors",
    ids((d) => (d[17] = 512n)),
  );
  const rb = predict(`${E64}/weights.safetensors`, big, join(dir, "big-out.safetensors"));
  refused(rb, "MDL453", "token_embedding.weight");
  assert.match(rb.stderr, "the largest, 512, is `text[1, 1]`");
});

test("input.<name> tensors the model has no input for are a warning naming them; the logits are unchanged", () => {
  const file = ioWith("extra.safetensors", (ts) => {
    ts.set("input.videos", ts.get("input.video")!);
    ts.set("input.mask", { dtype: "f32", shape: [1], data: new Float32Array([1]) });
  });
  const out = join(dir, "extra-out.safetensors");
  const r = predict(`${E64}/weights.safetensors`, file, out);
  assert.is(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    `${file}: warning MDL556: ignored tensors the model has no input for: \`input.eot_index\`, \`input.mask\`, \`input.videos\``,
  );
  // the fixture's own out.* and inter.* tensors are not inputs and stay unmentioned
  assert.not.match(r.stderr, "inter.");
  sameLogits(out);
});

test("duplicate class names: --labels names the positions, labels.csv the lines (classify, export --format torch)", () => {
  const list = mdl(
    "classify",
    "models/xclip.mdl",
    "--video",
    join(dir, "none.mp4"),
    "--labels",
    "archery,surfing,Archery, juggling,surfing",
  );
  refused(list, "MDL555", "--labels");
  assert.match(list.stderr, "class name `archery` is given more than once (positions 1, 3)");
  assert.match(list.stderr, "`surfing` too, at positions 2, 5");
  const csv = join(dir, "labels.csv");
  writeFileSync(csv, "id,name\n0,archery\n1,surfing\n2,juggling\n3,surfing\n");
  refused(mdl("classify", "models/xclip.mdl", "--video", join(dir, "none.mp4"), "--labels", csv), "MDL555", csv);
  const torch = mdl(
    "export",
    "models/xclip.mdl",
    "--preset",
    "tiny",
    "--format",
    "torch",
    "-o",
    join(dir, "model.py"),
    "--labels",
    csv,
  );
  refused(torch, "MDL555", csv);
  assert.match(torch.stderr, "class name `surfing` is given more than once (lines 3, 5)");
  // thousands of copies: the message stays short
  const many = join(dir, "many.csv");
  writeFileSync(many, "id,name\n" + Array.from({ length: 3000 }, (_, i) => `${i},class ${i % 40}`).join("\n") + "\n");
  const r = mdl("classify", "models/xclip.mdl", "--video", join(dir, "none.mp4"), "--labels", many);
  refused(r, "MDL555", many);
  assert.match(r.stderr, "(lines 2, 42, 82, 122, 162, 202, 242, 282, 322, 362 and 65 more)");
  assert.match(r.stderr, "35 more class names are given more than once");
  assert.equal(readLabels(join(dir, "ok.csv"), "id,name\n0,archery\n1,archery range\n"), ["archery", "archery range"]);
  // a file that is not a labels list at all: five problems shown, the rest counted
  const notList =
    "# a README\n" +
    Array.from({ length: 200 }, (_, i) => `line ${i} of prose, with a comma ${"x".repeat(200)}`).join("\n");
  const err = (() => {
    try {
      readLabels("README.md", notList);
    } catch (e) {
      return e as MdlError;
    }
  })();
  assert.is(err?.diagnostic.code, "MDL513");
  assert.is(err!.diagnostic.notes!.length, 6);
  assert.is(err!.diagnostic.notes![5].message, "195 more problems in this file");
  assert.ok(
    err!.diagnostic.notes!.every((n) => n.message.length < 120),
    "long ids are shortened",
  );
});

test("export --format torch --labels on a 512-token model is refused as classify refuses it (MDL407), writing nothing", () => {
  const out = join(dir, "torch-out");
  mkdirSync(out);
  const csv = join(dir, "two.csv");
  writeFileSync(csv, "id,name\n0,archery\n1,surfing\n");
  const r = mdl(
    "export",
    "models/xclip.mdl",
    "--weights",
    `${E64}/weights.safetensors`,
    "--format",
    "torch",
    "--train",
    "-o",
    join(out, "model.py"),
    "--labels",
    csv,
  );
  refused(r, "MDL407", "models/xclip.mdl");
  assert.match(r.stderr, "its vocabulary has 512 tokens; CLIP's tokenizer needs 49408");
  for (const f of ["model.py", "train.py", "texts.json"]) assert.not.ok(existsSync(join(out, f)), `${f} not written`);
});

test("a clip shorter than the model's frames: a notice says which frames were repeated (MDL557); a long enough one says nothing", async () => {
  const frames = (name: string, n: number) => {
    const d = join(dir, name);
    mkdirSync(d);
    for (let i = 0; i < n; i++) {
      const data = new Uint8Array(40 * 30 * 3).fill(20 * i);
      writeFileSync(
        join(d, `${String(i).padStart(3, "0")}.png`),
        encodePng({ width: 40, height: 30, channels: 3, data }),
      );
    }
    return d;
  };
  const heard: Diagnostic[] = [];
  const short = frames("short", 3);
  const views = await readViews({ path: short, kind: "frames" }, { frames: 8, size: 16, notice: (d) => heard.push(d) });
  assert.is(heard.length, 1);
  assert.is(heard[0].code, "MDL557");
  assert.is(heard[0].severity, "note");
  assert.is(heard[0].file, short);
  assert.is(
    heard[0].message,
    "the clip has 3 frames, fewer than the model's 8: frames are repeated to make 8 (frame indices 0, 0, 0, 1, 1, 2, 2, 2)",
  );
  // the frames are the ones the note names: frame 0 three times, then 1, then 2
  const per = 3 * 16 * 16;
  const firstPixel = (t: number) => views[0][t * per];
  assert.is(firstPixel(0), firstPixel(2));
  assert.ok(firstPixel(2) !== firstPixel(3) && firstPixel(3) === firstPixel(4) && firstPixel(5) === firstPixel(7));
  heard.length = 0;
  await readViews({ path: frames("long", 8), kind: "frames" }, { frames: 8, size: 16, notice: (d) => heard.push(d) });
  assert.equal(heard, []);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
