/**
 * The map is whole: every folder under src/ (two levels down) and every top-level source folder is named both
 * in the README's layout and in docs/architecture.md's folder table, so a new folder without a map entry fails.
 * A folder counts as named by its full path, as an entry under its parent in the README's tree, or as `name/`
 * in its parent's line (`src/tools/ ... diff/, docs/`); a path names its parents too (`editors/vscode/`: editors/).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DOC, ROOT } from "./recipe.ts";

const TOP = [
  "grammar",
  "src",
  "bin",
  "playground",
  "editors",
  "scripts",
  "models",
  "bench",
  "examples",
  "docs",
  "test",
];

/** src/ and its folders two levels down, as `src/a/` and `src/a/b/`. */
function sourceFolders(): string[] {
  const dirs = (rel: string) =>
    readdirSync(join(ROOT, rel), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `${rel}/${d.name}`);
  return dirs("src")
    .flatMap((a) => [a, ...dirs(a)])
    .map((d) => `${d}/`);
}

/** Folders a line's text mentions as `name/` or `a/b/`, each under `parent`. */
const mentions = (text: string, parent: string) =>
  [...text.matchAll(/(?<![\w./-])((?:[\w.-]+\/)+)(?![\w*])/g)].map((m) => parent + m[1]);

/** The paths and every folder above them: `a/b/` gives `a/` too. */
const withParents = (paths: Iterable<string>) =>
  new Set(
    [...paths].flatMap((p) =>
      p
        .split("/")
        .slice(0, -1)
        .map((_, i, parts) => `${parts.slice(0, i + 1).join("/")}/`),
    ),
  );

/** Every folder the README's layout tree names: entries by indentation, and folders each entry's line mentions. */
function readmeFolders(readme = readFileSync(join(ROOT, "README.md"), "utf8")): Set<string> {
  const section = /\n## How the code is laid out\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? "";
  const tree = /```\n([\s\S]*?)\n```/.exec(section)?.[1] ?? "";
  const out = new Set<string>();
  const stack: { indent: number; path: string }[] = [];
  for (const line of tree.split("\n")) {
    const m = /^( *)(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const [indent, entry, rest] = [m[1].length, m[2], m[3]];
    while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
    const path = (stack[stack.length - 1]?.path ?? "") + entry;
    if (!entry.endsWith("/")) continue;
    out.add(path);
    for (const f of mentions(rest, path)) out.add(f);
    stack.push({ indent, path });
  }
  return withParents(out);
}

/** Every folder docs/architecture.md's folder table names: the first column, and folders its text mentions. */
function docFolders(doc = readFileSync(DOC, "utf8")): Set<string> {
  const out = new Set<string>();
  for (const m of doc.matchAll(/^\| `([^`]+\/)` \| (.*) \|$/gm)) {
    out.add(m[1]);
    for (const f of mentions(m[2].replace(/`/g, " "), m[1])) out.add(f);
  }
  return withParents(out);
}

test("the readers of the map find what a map names (a tree entry, a line's mention, a table row)", () => {
  const readme = "\n## How the code is laid out\n\n```\nsrc/x/   a (y/)\n  z/     b\nbin/\n```\n\n## Next\n";
  assert.equal([...readmeFolders(readme)], ["src/", "src/x/", "src/x/y/", "src/x/z/", "bin/"]);
  assert.equal(
    [...docFolders("| `src/a/` | holds `b/` and c/, not d.e |\n")],
    ["src/", "src/a/", "src/a/b/", "src/a/c/"],
  );
});

test("every source folder is on the README's layout and on docs/architecture.md's map", () => {
  const want = [...TOP.map((t) => `${t}/`), ...sourceFolders()];
  const readme = readmeFolders();
  const doc = docFolders();
  assert.ok(want.length > 30 && readme.size > 20 && doc.size > 20, "the folders, or the maps, were not read");
  assert.equal(
    want.filter((f) => !readme.has(f) && f !== "docs/" && f !== "test/" && f !== "examples/"),
    [],
    "folders missing from README.md's 'How the code is laid out'",
  );
  assert.equal(
    want.filter((f) => !doc.has(f)),
    [],
    "folders missing from docs/architecture.md's table of folders",
  );
});

test.run();
