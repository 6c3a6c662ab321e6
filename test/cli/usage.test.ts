/** Usage mistakes get one line and where to look (exit 2), not the whole help on stderr; --version says the package's. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

const mdl = (...args: string[]) => spawnSync(process.execPath, ["bin/mdl.js", ...args], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });

test("an unknown command or flag: exit 2, the mistake and a pointer to --help, in a few lines", () => {
  for (const [args, said] of [[["bogus"], "unknown command 'bogus'"], [["check", "--bogus", "x.mdl"], "unknown option '--bogus'"]] as const) {
    const r = mdl(...args);
    assert.is(r.status, 2, args.join(" "));
    assert.ok(r.stderr.includes(`error: ${said}`), r.stderr);
    assert.ok(r.stderr.includes("mdl --help"), r.stderr);
    assert.ok(r.stderr.trim().split("\n").length <= 3, r.stderr);
    assert.is(r.stdout, "");
  }
});

test("--version prints package.json's version", () => {
  const r = mdl("--version");
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), JSON.parse(readFileSync("package.json", "utf8")).version);
});

test.run();
