import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadDataset, readLabels, validateDataset } from "../../src/runtime/data/dataset.ts";
import { encodePng } from "../../src/runtime/data/png.ts";
import { MdlError } from "../../src/compiler/diagnostics/diagnostic.ts";
import { scratch, ffmpeg, errorOf } from "./helpers.ts";
import { ffmpegMissing, needs } from "../helpers/requires.ts";

const dir = scratch("dataset");
const frame = (v: number) => encodePng({ width: 4, height: 4, channels: 3, data: new Uint8Array(48).fill(v) });
function frames(name: string, n: number) {
  mkdirSync(join(dir, name), { recursive: true });
  for (let i = 0; i < n; i++)
    writeFileSync(join(dir, name, `img_${String(i + 1).padStart(5, "0")}.png`), frame(i * 10));
}
frames("good", 3);
frames("broken-frames", 2);
writeFileSync(join(dir, "broken-frames", "img_00002.png"), frame(0).subarray(0, 40)); // truncated PNG
mkdirSync(join(dir, "empty"), { recursive: true });
writeFileSync(join(dir, "corrupt.mp4"), "not a video at all, only text");
if (!ffmpegMissing())
  ffmpeg(["-f", "lavfi", "-i", "testsrc=size=32x24:rate=5:duration=2", "-pix_fmt", "yuv420p", join(dir, "ok.mp4")]);
writeFileSync(
  join(dir, "labels.csv"),
  'id,name\n0,an object moving to the left\n1,an object moving to the right\n2,"a name, with a comma"\n',
);
const list = [
  "good 0", //               1 ok
  "just-a-path", //          2 malformed
  "good two", //             3 label not an integer
  "good 3", //               4 label out of range
  "missing/folder 1", //     5 missing
  "", //                     6 blank: skipped
  "broken-frames 1", //      7 corrupt image
  "corrupt.mp4 0", //        8 corrupt video
  "empty 2", //              9 no frames
  ...(!ffmpegMissing() ? ["ok.mp4 1"] : []), // 10 ok
];
writeFileSync(join(dir, "train.txt"), list.join("\n") + "\n");

test("labels: quoted names, and every problem of a bad labels file reported at once", async () => {
  assert.equal(readLabels(join(dir, "labels.csv")), [
    "an object moving to the left",
    "an object moving to the right",
    "a name, with a comma",
  ]);
  const bad = join(dir, "bad-labels.csv");
  writeFileSync(bad, "id;name\n0,a\nx,b\n0,c\n3,d\n");
  try {
    readLabels(bad);
    assert.unreachable();
  } catch (err) {
    const d = (err as MdlError).diagnostic;
    assert.equal(
      [d.code, d.file, d.message],
      ["MDL513", bad, "labels line 1: the first line must be the header `id,name`"],
    );
    assert.equal(
      d.notes?.map((n) => n.message),
      [
        "MDL513: labels line 3: class id `x` is not a whole number",
        "MDL513: labels line 4: class id 0 is defined twice",
        "MDL513: labels line 5: class ids must be 0..1, but 1 is missing",
      ],
    );
  }
});

test("loading reports malformed lines, bad labels and missing paths with their line", () => {
  const ds = loadDataset(dir, "train");
  assert.equal(
    ds.entries.map((e) => [e.rel, e.line, e.kind]),
    [
      ["good", 1, "frames"],
      ["broken-frames", 7, "frames"],
      ["corrupt.mp4", 8, "video"],
      ["empty", 9, "frames"],
      ...(!ffmpegMissing() ? [["ok.mp4", 10, "video"]] : []),
    ],
  );
  assert.equal(
    ds.problems.map((p) => [p.code, p.file, p.message]),
    [
      ["MDL514", join(dir, "train.txt"), "dataset list line 2: expected `relative/path label`"],
      ["MDL514", join(dir, "train.txt"), "dataset list line 3: label `two` is not a whole number"],
      ["MDL514", join(dir, "train.txt"), "dataset list line 4: label 3 is out of range (labels.csv defines 0..2)"],
      ["MDL514", join(dir, "train.txt"), "dataset list line 5: `missing/folder` does not exist"],
    ],
  );
  // The span covers the line, so a renderer can quote it.
  const text = list.join("\n");
  const span = ds.problems[1].span!;
  assert.is(text.slice(span.start, span.end), "good two");
});

needs(test, ffmpegMissing())("validation decodes every entry and names file, line and reason", async () => {
  const { entries, problems } = await validateDataset(loadDataset(dir, "train"));
  assert.equal(
    entries.map((e) => e.rel),
    ["good", "ok.mp4"],
  );
  const late = problems.slice(4).map((p) => [p.code, p.file, p.notes?.[0]?.message ?? p.message]);
  assert.equal(late.slice(0, 1), [
    ["MDL512", join(dir, "broken-frames", "img_00002.png"), `listed in ${join(dir, "train.txt")} line 7`],
  ]);
  assert.equal(late[1].slice(0, 2), ["MDL511", join(dir, "corrupt.mp4")]);
  assert.equal(late[2], ["MDL514", join(dir, "train.txt"), "dataset list line 9: `empty` holds no frame images"]);
  assert.is(problems.length, 7);
});

test("missing labels or list file", async () => {
  const e = await errorOf(() => loadDataset(dir, "val"));
  assert.equal([e.code, e.file, e.message], ["MDL501", join(dir, "val.txt"), "list of the `val` split not found"]);
  assert.is((await errorOf(() => loadDataset(join(dir, "good"), "train"))).code, "MDL501");
});

test.run();
