// npm reads the project's .npmrc on every command: it must hold only settings npm knows (an unknown key prints
// `npm warn Unknown project config` before every `npm test` and `npm run demo`), and it must keep dependencies'
// install scripts from running, so that installing never downloads (onnxruntime-node's would fetch CUDA binaries).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

test("npm reads .npmrc without a warning, and .npmrc runs no dependency's install script", () => {
  const r = spawnSync("npm", ["config", "get", "ignore-scripts"], { encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  assert.not.match(r.stderr, /warn/i, r.stderr);
  assert.is(r.stdout.trim(), "true");
  assert.not.match(readFileSync(".npmrc", "utf8"), /onnxruntime-node-install/);
});

test.run();
