/** examples/export-onnx.ts writes a model file that ONNX Runtime runs, and ranks as `mdl classify` on tfjs does. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import { initValues, seededRandom } from "../../src/runtime/weights/init-values.ts";
import { writeSafetensors } from "../../src/runtime/weights/safetensors.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";
import { ffmpegMissing, needs } from "../helpers/requires.ts";
import { CLI } from "../run/helpers.ts";

needs(test, ffmpegMissing())(
  "examples/export-onnx.ts: the exported file on ORT ranks the labels as mdl classify on tfjs",
  () => {
    const tmp = mkdtempSync(join(tmpdir(), "mdl-onnx-example-"));
    const ir = compile("models/xclip.mdl", fsHost, { preset: "tiny", set: [["context", "77"]] }).value!;
    const tensors = new Map<string, HostTensor>();
    for (const p of ir.params)
      tensors.set(p.path, {
        dtype: "f32",
        shape: p.shape,
        data: initValues(
          p.init,
          p.shape.reduce((a, d) => a * d, 1),
          seededRandom(3, p.path),
        ),
      });
    const weights = join(tmp, "w.safetensors");
    writeSafetensors(weights, tensors);
    const video = join(tmp, "v.mp4");
    assert.is(
      spawnSync("ffmpeg", [
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=96x72:rate=10",
        "-t",
        "2",
        "-pix_fmt",
        "yuv420p",
        video,
      ]).status,
      0,
    );
    const labels = "archery,juggling balls,surfing water";
    const onnx = join(tmp, "m.onnx");
    const ex = spawnSync(
      process.execPath,
      ["--import", "tsx", "examples/export-onnx.ts", "models/xclip.mdl", weights, video, labels, onnx],
      { encoding: "utf8", timeout: 300_000 },
    );
    assert.is(ex.status, 0, ex.stderr);
    assert.ok(existsSync(onnx));
    const rows = ex.stdout
      .trim()
      .split("\n")
      .map((l) => /^\s*([\d.]+)%\s+(.+)$/.exec(l)!);
    assert.is(rows.length, 3);
    const cli = spawnSync(
      process.execPath,
      [
        ...CLI,
        "classify",
        "models/xclip.mdl",
        "--weights",
        weights,
        "--video",
        video,
        "--labels",
        labels,
        "--json",
        "--runtime",
        "tfjs",
        "--threads",
        "1",
      ],
      { encoding: "utf8", timeout: 300_000 },
    );
    assert.is(cli.status, 0, cli.stderr);
    const top = JSON.parse(cli.stdout)[0].top as { label: string; probability: number }[];
    rows.forEach((m, i) => {
      assert.is(m[2], top[i].label);
      assert.ok(
        Math.abs(Number(m[1]) - 100 * top[i].probability) <= 0.05 + 1e-9,
        `${m[1]}% vs ${100 * top[i].probability}%`,
      );
    });
    rmSync(tmp, { recursive: true, force: true });
  },
);

test.run();
