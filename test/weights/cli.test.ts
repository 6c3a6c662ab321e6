import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { FIXTURES } from "./helpers.ts";

const mdl = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { encoding: "utf8" });

test("mdl weights --json lists the stored dtypes, shapes and the parameter count", () => {
  const file = `${FIXTURES}/xclip-tiny-e64/weights-fp16.pth`;
  const r = mdl("weights", file, "--json");
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  // Independent count: the safetensors header of the same weights, read as plain JSON.
  const raw = readFileSync(`${FIXTURES}/xclip-tiny-e64/weights.safetensors`);
  const header = JSON.parse(raw.subarray(8, 8 + Number(raw.readBigUInt64LE(0))).toString());
  delete header.__metadata__;
  const count = Object.values(header as Record<string, { shape: number[] }>).reduce(
    (n, e) => n + e.shape.reduce((a, b) => a * b, 1),
    0,
  );
  assert.is(out.parameters, count);
  assert.is(out.format, "pth-zip");
  assert.is(out.tensors.length, Object.keys(header).length);
  assert.equal(
    out.tensors.find((t: { name: string }) => t.name === "logit_scale"),
    { name: "logit_scale", dtype: "f16", shape: [] },
  );
});

test("mdl weights on a hostile file: the catalogued message, exit 2, no stack trace", () => {
  const file = `${FIXTURES}/hostile/evil-os-system.pth`;
  const r = mdl("weights", file);
  assert.is(r.status, 2);
  assert.ok(
    r.stderr.startsWith(`${file}: error MDL505: refused to load: the pickle references \`posix.system\``),
    r.stderr,
  );
  assert.not.match(r.stderr, /\n\s+at /);
});

test.run();
