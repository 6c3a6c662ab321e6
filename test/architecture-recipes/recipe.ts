/**
 * Follows a recipe of docs/architecture.md on a scratch copy of the tree: its ```diff blocks are the steps,
 * applied in order, so the page and these tests cannot drift apart. A block is `--- FILE` (or `--- /dev/null`
 * then `+++ FILE` for a new file), then hunks split at `@@` lines: ' ' lines locate, '-' lines go, '+' lines
 * come. A hunk's old lines must occur exactly once in the file; one with no old lines appends to it.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const DOC = join(ROOT, "docs/architecture.md");

export interface Hunk {
  old: string[];
  new: string[];
}
export interface Step {
  file: string;
  create: boolean;
  hunks: Hunk[];
}

/** The text of `## Recipe: <title>` up to the next `## ` heading. */
export function recipeSection(title: string, doc = readFileSync(DOC, "utf8")): string {
  const start = doc.indexOf(`\n## Recipe: ${title}\n`);
  if (start < 0) throw new Error(`docs/architecture.md has no section "## Recipe: ${title}"`);
  const end = doc.indexOf("\n## ", start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

export function parseDiff(block: string): Step {
  const lines = block.split("\n");
  const head = /^--- (\S+)$/.exec(lines.shift() ?? "");
  if (!head) throw new Error(`a diff block must start with '--- FILE':\n${block}`);
  let file = head[1];
  const create = file === "/dev/null";
  if (create) {
    const to = /^\+\+\+ (\S+)$/.exec(lines.shift() ?? "");
    if (!to) throw new Error(`a new file's block needs '+++ FILE' after '--- /dev/null':\n${block}`);
    file = to[1];
  }
  const hunks: Hunk[] = [{ old: [], new: [] }];
  for (const line of lines) {
    if (line.startsWith("@@")) {
      hunks.push({ old: [], new: [] });
      continue;
    }
    const h = hunks[hunks.length - 1];
    const [mark, text] = [line[0] ?? " ", line.slice(1)];
    if (mark === " " || mark === "-") h.old.push(text);
    if (mark === " " || mark === "+") h.new.push(text);
    if (!" -+".includes(mark)) throw new Error(`a diff line must start with ' ', '-' or '+': ${JSON.stringify(line)}`);
  }
  return { file, create, hunks: hunks.filter((h) => h.old.length || h.new.length) };
}

/** The recipe's steps: its ```diff blocks in order. */
export function recipeSteps(title: string): Step[] {
  return [...recipeSection(title).matchAll(/^```diff\n([\s\S]*?)\n```$/gm)].map((m) => parseDiff(m[1]));
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;

export function applyStep(root: string, step: Step, title = "?"): void {
  const path = join(root, step.file);
  const where = `docs/architecture.md, "Recipe: ${title}", the step on ${step.file}`;
  if (step.create) {
    if (existsSync(path)) throw new Error(`${where}: the file already exists`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, step.hunks.flatMap((h) => h.new).join("\n") + "\n");
    return;
  }
  let text = readFileSync(path, "utf8");
  for (const h of step.hunks) {
    const added = h.new.join("\n");
    if (!h.old.length) {
      text = (text.endsWith("\n") ? text : `${text}\n`) + added + "\n";
      continue;
    }
    const old = h.old.join("\n");
    const n = occurrences(text, old);
    if (n !== 1)
      throw new Error(
        `${where}: these lines are in the file ${n} times, not once; the recipe no longer matches the code:\n${old}`,
      );
    text = text.replace(old, () => added);
  }
  writeFileSync(path, text);
}

/** What test/architecture scans besides src/, grammar/ and scripts/. */
export const ARCHITECTURE = ["test/architecture", "playground", "bench", "examples"];

/** The parts of the tree a recipe touches or runs (and `more`), copied; node_modules linked. Removed by `done`. */
export function scratchTree(more: string[] = []): { root: string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), "mdl-recipe-"));
  for (const part of [
    "src",
    "bin",
    "grammar",
    "scripts",
    "test/ops",
    "docs/primitives.md",
    "package.json",
    "tsconfig.json",
    "tsconfig.run.json",
    ...more,
  ])
    cpSync(join(ROOT, part), join(root, part), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"));
  return { root, done: () => rmSync(root, { recursive: true, force: true }) };
}

/** `mdl ARGS` in the scratch tree through bin/mdl.js and tsx (no bundle: building one would take longer than the test). */
export function mdl(root: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [join(root, "bin/mdl.js"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, MDL_NO_BUNDLE: "1", FORCE_COLOR: "0" },
    timeout: 60_000,
  });
}

/** A TypeScript file of the scratch tree run through tsx. */
export function tsx(root: string, file: string, args: string[] = []): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ["--import", "tsx", join(root, file), ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
  });
}

/** test/architecture (the allowed folder edges, no cycles) on the scratch tree: a recipe keeps the layering rule. */
export function architectureTest(root: string): SpawnSyncReturns<string> {
  return spawnSync(
    process.execPath,
    ["--import", "tsx", "node_modules/uvu/bin.js", "test/architecture", "\\.test\\.ts$"],
    {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, FORCE_COLOR: "0" },
      timeout: 60_000,
    },
  );
}
