/**
 * Every command of the README's ```sh blocks runs as shown, in order, in one scratch folder that links the
 * checkout's files (so what the commands write, data/, runs/, out/, stays out of the tree): exit 0 (`mdl diff`: 0
 * or 1), no stack trace.
 * Skipped, counted and printed: lines marked `# your file: ...` (files the reader brings), the few lines run
 * elsewhere (ELSEWHERE below), torchrun where /usr/bin/python3 has no torch, and a git revision a shallow clone lacks.
 * The train + eval recipe must also learn: top-1 well above the 10% of chance.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { README, ROOT, runShell, shellLines } from "../../scripts/readme-tables.ts";
import { needs, torchMissing } from "../helpers/requires.ts";

/** Lines the suite cannot run as part of itself, and where they do run. */
const ELSEWHERE: Record<string, string> = {
  "npm install": "npm install: the suite runs in an installed checkout (CI runs `npm ci`, then `npm test`)",
  "npm test": "npm test: this test is part of it",
  "npm run demo":
    "the full demo (~13 min): docs/demo holds its last output, checked against the README by readme-tables.test.ts; the short demo line runs here",
};

/** What a line's output must show beyond exit 0: the recipe learns (chance is 10%, the demo's seeds give 27-42%). */
const EXPECT: { when: RegExp; check: (stdout: string) => void }[] = [
  {
    when: /^npx mdl eval models\/variants\/xclip-fanin-init\.mdl .*--split test/,
    check: (stdout) => {
      const top1 = Number(/top-1\s+([\d.]+)%/.exec(stdout)?.[1]);
      console.log(`  the README's train + eval recipe: top-1 ${top1}%`);
      assert.ok(top1 >= 25, `the README's recipe ended at top-1 ${top1}%, not well above chance (10%)`);
    },
  },
];

/** `mdl diff` exits 1 when the definitions differ, as diff(1) does; that is its answer, not a failure. */
const exitsOk = (cmd: string, status: number | null) => status === 0 || (status === 1 && /^npx mdl diff /.test(cmd));

const STACK = /^\s+at .+:\d+:\d+\)?$|Traceback \(most recent call last\)/m;

const lines = shellLines(readFileSync(README, "utf8"));
const scratch = mkdtempSync(join(tmpdir(), "mdl-readme-"));
// the checkout's tracked entries (a folder the README's commands write, such as runs/, is not linked even when a
// reader ran them in the checkout); outside git, every entry but those
const tracked = (spawnSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" }).stdout ?? "")
  .split("\n")
  .filter(Boolean);
const entries = tracked.length
  ? tracked.map((f) => f.split("/")[0])
  : readdirSync(ROOT).filter((f) => !["data", "runs", "out"].includes(f));
for (const top of new Set([...entries, "node_modules", ".git"]))
  if (existsSync(resolve(ROOT, top))) symlinkSync(resolve(ROOT, top), join(scratch, top));

const bare = (text: string) => text.replace(/\s+#.*$/, "").trim();
const stale = Object.keys(ELSEWHERE).filter((cmd) => !lines.some((l) => bare(l.text) === cmd));

test("the README has shell lines, and every line ELSEWHERE and EXPECT name is still in it", () => {
  assert.ok(lines.length >= 20, `only ${lines.length} shell lines found`);
  assert.equal(stale, []);
  for (const e of EXPECT)
    assert.ok(
      lines.some((l) => e.when.test(bare(l.text))),
      `no README line matches ${e.when}`,
    );
});

for (const l of lines) {
  const cmd = bare(l.text);
  const name = `README.md:${l.line}: ${cmd.length > 100 ? cmd.slice(0, 100) + "…" : cmd}`;
  const yours = /^your files?:\s*(.+)$/
    .exec(l.comment)?.[1]
    .split(",")
    .map((f) => f.trim());
  const rev = /\b(HEAD~\d+):/.exec(cmd)?.[1];
  const missing = yours
    ? "a line marked `# your file: ...` names files the reader brings"
    : (ELSEWHERE[cmd] ??
      (/^torchrun\b/.test(cmd) ? torchMissing() : undefined) ??
      (rev && spawnSync("git", ["rev-parse", "--verify", "-q", rev], { cwd: ROOT }).status !== 0
        ? `${rev} is not in this clone (shallow)`
        : undefined));
  if (yours)
    test(`${name}: the files it marks as yours are named in it and absent here`, () => {
      for (const f of yours) {
        assert.ok(cmd.split(/\s+/).includes(f), `${f} is marked as yours but the command does not name it`);
        assert.not.ok(existsSync(join(scratch, f)), `${f} is in the checkout: run the line instead of marking it`);
      }
    });
  needs(test, missing)(name, () => {
    const t0 = performance.now();
    const r = runShell(l.text, scratch);
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    const said = `${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`;
    assert.ok(exitsOk(cmd, r.status), `exit ${r.status} after ${seconds} s:\n${said}`);
    assert.not.ok(STACK.test(r.stdout + r.stderr), `a stack trace:\n${said}`);
    for (const e of EXPECT) if (e.when.test(cmd)) e.check(r.stdout);
    console.log(`  ${seconds} s  ${name}`);
  });
}

test.after(() => rmSync(scratch, { recursive: true, force: true }));

test.run();
