/** `mdl fmt`: in-place rewrite, --check, folders, syntax errors, exit codes. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mangle, read, scratch } from "./helpers.ts";

const mdl = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { encoding: "utf8" });

const clip = read("models/clip.mdl");
const xclip = read("models/xclip.mdl");

function tree() {
  const dir = scratch("cli");
  mkdirSync(join(dir, "sub"));
  mkdirSync(join(dir, ".hidden"));
  writeFileSync(join(dir, "clip.mdl"), clip);
  writeFileSync(join(dir, "ugly.mdl"), mangle(xclip, 11));
  writeFileSync(join(dir, "sub", "ugly.mdl"), mangle(clip, 12));
  writeFileSync(join(dir, ".hidden", "ugly.mdl"), mangle(clip, 13));
  writeFileSync(join(dir, "notes.txt"), "block  X ( ) { }");
  return dir;
}

test("--check lists the unformatted .mdl files under a folder and exits 1; fmt rewrites them; --check then exits 0", () => {
  const dir = tree();
  const before = read(join(dir, "ugly.mdl"));
  const r = mdl("fmt", "--check", dir);
  assert.is(r.status, 1, r.stderr);
  assert.equal(r.stdout.trim().split("\n"), [join(dir, "sub", "ugly.mdl"), join(dir, "ugly.mdl")]);
  assert.is(read(join(dir, "ugly.mdl")), before);

  // fmt rewrites the same files in place, nothing else, then --check passes with exit 0
  const w = mdl("fmt", dir);
  assert.is(w.status, 0, w.stderr);
  assert.equal(w.stdout.trim().split("\n"), [join(dir, "sub", "ugly.mdl"), join(dir, "ugly.mdl")]);
  assert.fixture(read(join(dir, "ugly.mdl")), xclip);
  assert.fixture(read(join(dir, "sub", "ugly.mdl")), clip);
  assert.is(read(join(dir, ".hidden", "ugly.mdl")), mangle(clip, 13));
  assert.is(read(join(dir, "notes.txt")), "block  X ( ) { }");
  assert.equal(readdirSync(dir).sort(), [".hidden", "clip.mdl", "notes.txt", "sub", "ugly.mdl"], "no temp files left");
  const again = mdl("fmt", "--check", dir);
  assert.is(again.status, 0, again.stdout + again.stderr);
  assert.is(again.stdout, "");
});

test("a syntax error: rendered diagnostic, file untouched, exit 2; the other files are still formatted", () => {
  const dir = scratch("cli-bad");
  const bad = "block X(d: int {\n  a = Linear(d)\n}\n";
  writeFileSync(join(dir, "bad.mdl"), bad);
  writeFileSync(join(dir, "ugly.mdl"), mangle(clip, 21));
  const r = mdl("fmt", join(dir, "bad.mdl"), join(dir, "ugly.mdl"));
  assert.is(r.status, 2);
  assert.match(r.stderr, `${join(dir, "bad.mdl")}:1:16: error MDL101: unexpected \`{\``);
  assert.match(r.stderr, /1 \| block X\(d: int \{\n\s+\|\s+\^/);
  assert.not.match(r.stderr, /\n\s+at /);
  assert.is(readFileSync(join(dir, "bad.mdl"), "utf8"), bad);
  assert.fixture(read(join(dir, "ugly.mdl")), clip);
});

test("a path that does not exist is a catalogued usage error", () => {
  const r = mdl("fmt", "no/such/place.mdl");
  assert.is(r.status, 2);
  assert.match(r.stderr, /no\/such\/place\.mdl: error MDL003: cannot read file/);
});

test.run();
