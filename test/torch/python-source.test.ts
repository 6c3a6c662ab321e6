/**
 * The Python that `mdl export --format torch` writes lives in src/runtime/torch/py/*.py: the embedded copy
 * (py/py-source.ts, written by scripts/gen-py.mjs) must match those files, and they, with the Python the tests
 * run (test/torch/*.py), must compile and pass pyflakes (unused imports, undefined names) as Python.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as embedded from "../../src/runtime/torch/py/py-source.ts";
import { needs, pyflakesMissing, pythonMissing, TORCH_PYTHON as PYTHON } from "../helpers/requires.ts";

const PY_DIR = "src/runtime/torch/py";
const pyFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".py"))
    .sort()
    .map((f) => join(dir, f));
const FILES = [...pyFiles(PY_DIR), ...pyFiles("test/torch")];

test("py-source.ts holds each src/runtime/torch/py/*.py as it is (regenerate: node scripts/gen-py.mjs)", () => {
  const want = Object.fromEntries(
    pyFiles(PY_DIR).map((f) => [`${f.slice(PY_DIR.length + 1, -3).toUpperCase()}_PY`, readFileSync(f, "utf8")]),
  );
  assert.equal(Object.keys(embedded).sort(), Object.keys(want).sort());
  for (const [name, text] of Object.entries(want)) assert.is((embedded as Record<string, string>)[name], text, name);
});

needs(test, pythonMissing())("each .py compiles (python3 -m py_compile)", () => {
  const cache = mkdtempSync(join(tmpdir(), "mdl-pycache-"));
  try {
    const r = spawnSync(PYTHON, ["-m", "py_compile", ...FILES], {
      encoding: "utf8",
      env: { ...process.env, PYTHONPYCACHEPREFIX: cache },
    });
    assert.is(r.status, 0, r.stderr);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

needs(test, pyflakesMissing())("each .py is clean under pyflakes", () => {
  const r = spawnSync(PYTHON, ["-m", "pyflakes", ...FILES], {
    encoding: "utf8",
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
  });
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
});

test.run();
