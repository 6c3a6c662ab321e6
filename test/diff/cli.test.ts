/** `mdl diff` as a user runs it: exit codes, --json against DiffJson, git revisions, errors. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DiffJson } from "../../src/tools/diff/schema.ts";

const BIN = resolve("bin/mdl.js");
const mdl = (args: string[], cwd = process.cwd()) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd });
const git = (args: string[], cwd: string) => {
  const r = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { encoding: "utf8", cwd });
  if (r.status !== 0) throw new Error(r.stderr);
};

test("exit 0 for a reformatted copy, 1 with --json output that DiffJson accepts", () => {
  const same = mdl(["diff", "models/clip.mdl", "test/diff/samples/reformatted/input.mdl"]);
  assert.is(same.status, 0, same.stderr);
  assert.match(same.stdout, /no semantic difference/);
  const r = mdl([
    "diff",
    "test/diff/samples/mit-layers/input.mdl#XClipMit4",
    "models/xclip.mdl",
    "--preset",
    "tiny",
    "--json",
  ]);
  assert.is(r.status, 1, r.stderr);
  const d = DiffJson.parse(JSON.parse(r.stdout));
  assert.equal(
    d.hyper.map((h) => [h.name, h.a?.value, h.b?.value]),
    [["mit_layers", 4, 1]],
  );
  assert.equal(
    d.modules.filter((m) => m.status === "removed").map((m) => m.path),
    ["mit.resblocks.1", "mit.resblocks.2", "mit.resblocks.3"],
  );
  assert.is(d.a.preset, "tiny");
});

test("two models of one file with --model-a/--model-b; --set applies to both sides", () => {
  const r = mdl([
    "diff",
    "models/variants/xclip-no-prompts.mdl",
    "models/variants/xclip-no-prompts.mdl",
    "--model-a",
    "XCLIP",
    "--model-b",
    "XClipNoPrompts",
    "--set",
    "frames=4",
  ]);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stdout, /- prompts_generator: VideoSpecificPrompt/);
  assert.not.match(r.stdout, /frames/);
});

test("REV:path reads the file and its imports at that git revision", () => {
  const dir = mkdtempSync(join(tmpdir(), "mdl-diff-git-"));
  writeFileSync(
    join(dir, "lib.mdl"),
    'import { Linear } from "std"\nblock Head(d: int) {\n  fc = Linear(d, 10)\n  forward(x: [N, d]) -> [N, 10] { return fc(x) }\n}\n',
  );
  writeFileSync(
    join(dir, "net.mdl"),
    'import { Head } from "./lib.mdl"\nmodel Net(d: int = 32) {\n  head = Head(d)\n  forward(x: f32[N, d]) -> (y: [N, 10]) { return (y: head(x)) }\n}\n',
  );
  git(["init", "-q"], dir);
  git(["add", "."], dir);
  git(["commit", "-q", "-m", "one"], dir);
  // only the imported file changes in the working tree
  writeFileSync(
    join(dir, "lib.mdl"),
    'import { Linear } from "std"\nblock Head(d: int) {\n  fc = Linear(d, 10, has_bias: false)\n  forward(x: [N, d]) -> [N, 10] { return fc(x) }\n}\n',
  );
  const r = mdl(["diff", "HEAD:net.mdl", "net.mdl"], dir);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stdout, /^--- HEAD:\.\/net\.mdl#Net\n/);
  assert.match(r.stdout, /- param head\.fc\.bias: \[10\]/);
  assert.is(mdl(["diff", "HEAD:net.mdl", "HEAD:net.mdl"], dir).status, 0);
  const missing = mdl(["diff", "HEAD:nope.mdl", "net.mdl"], dir);
  assert.is(missing.status, 2);
  assert.match(missing.stderr, /HEAD:\.\/nope\.mdl: error MDL003: cannot read file/);
});

test("a compile error in one side exits 2 with the located diagnostic and no stack trace", () => {
  const dir = mkdtempSync(join(tmpdir(), "mdl-diff-err-"));
  const bad = join(dir, "bad.mdl");
  writeFileSync(
    bad,
    'import { XCLIP } from "' + resolve("models/xclip.mdl") + '"\nmodel Bad extends XCLIP {\n  set mit_layerz = 2\n}\n',
  );
  const r = mdl(["diff", "models/xclip.mdl", bad]);
  assert.is(r.status, 2);
  assert.match(r.stderr, new RegExp(`${bad.replace(/[.]/g, "\\.")}:3:\\d+: error MDL2`));
  assert.not.match(r.stderr, /\n\s+at /);
});

test.run();
