import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, rmSync } from "node:fs";
import { loadCheckpoint } from "../../src/runtime/weights/load.ts";
import { FIXTURES, LOCAL, expectMdlError } from "./helpers.ts";

const MARKER = "/tmp/mdl-pickle-executed";

// Each file, the code it must be refused with, and what the message must name.
const CASES: [string, string, RegExp][] = [
  [`${FIXTURES}/hostile/evil-os-system.pth`, "MDL505", /`posix\.system`.*nothing was executed/],
  [`${FIXTURES}/hostile/evil-legacy.pth`, "MDL505", /`posix\.system`/],
  [`${FIXTURES}/hostile/header-too-long.safetensors`, "MDL504", /header length field says 1099511627776 bytes/],
  [
    `${FIXTURES}/hostile/offsets-past-end.safetensors`,
    "MDL503",
    /tensor `w` needs bytes 0\.\.64 of the data section, which has only 16 bytes/,
  ],
  [
    `${FIXTURES}/hostile/shape-mismatch.safetensors`,
    "MDL504",
    /shape \[3, 3\] of F32 needs 36 bytes but data_offsets \[0, 32\] give 32/,
  ],
  [`${FIXTURES}/hostile/truncated.pth`, "MDL503", /no zip end-of-central-directory record/],
  [
    `${FIXTURES}/hostile/truncated.safetensors`,
    "MDL503",
    /needs bytes \d+\.\.\d+ of the data section, which has only \d+ bytes/,
  ],
  [`${LOCAL}/evil-stack-global.pth`, "MDL505", /`builtins\.eval`/],
  [`${LOCAL}/evil-inst.pth`, "MDL505", /`subprocess\.call`/],
  [`${LOCAL}/evil-after-tensors.pth`, "MDL505", /`os\.system`/],
  [`${LOCAL}/evil-unused-global.pth`, "MDL505", /`builtins\.getattr`/],
  [`${FIXTURES}/hostile/README.md`, "MDL502", /unrecognised leading bytes/],
  [`${FIXTURES}/hostile/does-not-exist.pth`, "MDL501", /checkpoint file not found/],
];

test("every hostile or broken file is refused with a catalogued error naming it; no pickled code runs", () => {
  rmSync(MARKER, { force: true });
  for (const [path, code, re] of CASES)
    assert.match(
      expectMdlError(() => loadCheckpoint(path), code, path),
      re,
    );
  assert.not.ok(existsSync(MARKER), `${MARKER} appeared`);
});

test.run();
