/** examples/playground.ts runs the page's journey in Chromium and prints the fixture's official logits. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { toFloat32 } from "../../src/runtime/weights/tensor.ts";
import { chromiumMissing, needs } from "../helpers/requires.ts";

needs(test, chromiumMissing())("examples/playground.ts prints the backend that ran and the fixture's logits", () => {
  mkdirSync("test-output", { recursive: true });
  const shot = "test-output/playground-example.png";
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "examples/playground.ts", "--backend", "wasm", "--screenshot", shot],
    { encoding: "utf8", timeout: 300_000 },
  );
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, "ran on wasm");
  assert.match(r.stdout, /summary: XCLIP: checked in \d+ ms/);
  const printed = r.stdout
    .match(/out\.logits: (.*)/)![1]
    .split(" ")
    .map(Number);
  const ref = toFloat32(readSafetensors("test/fixtures/xclip-tiny-e64/io.safetensors").tensors.get("out.logits")!);
  assert.is(printed.length, ref.length);
  printed.forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-5, `${v} vs ${ref[i]}`));
  assert.ok(existsSync(shot));
});

test.run();
