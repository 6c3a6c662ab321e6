/**
 * Every example, run as its header says, works on files the repository has or makes, or fails as mdl fails: a
 * catalogued MDL code, exit 2, no stack trace. A header command whose files are all here is run by the example's
 * own test (named below, and checked to run it); one that names a file the reader brings (an official checkpoint,
 * a video) or makes first (runs/x from the README's recipe) is run here against a checkout without it. Missing
 * tools (torch, Chromium) and missing arguments fail the same way.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const EXAMPLES = readdirSync("examples")
  .filter((f) => f.endsWith(".ts"))
  .sort();
/** The test that runs each example on the repository's files. */
const OWN_TEST: Record<string, string> = {
  "classify-video.ts": "test/run/examples.test.ts",
  "diff-variants.ts": "test/diff/example.test.ts",
  "export-onnx.ts": "test/onnx/example.test.ts",
  "export-torch.ts": "test/torch/example.test.ts",
  "playground.ts": "test/playground/examples.test.ts",
  "predict.ts": "test/run/examples.test.ts",
  "train-variants.ts": "test/session/example.test.ts",
};

/** The `npx tsx examples/...` commands of a file's header comment, continuation lines joined, split into words. */
function headerCommands(file: string): string[][] {
  const header = readFileSync(join("examples", file), "utf8").split("*/")[0];
  const joined = header
    .split("\n")
    .map((l) => l.replace(/^\s*\*\s?/, ""))
    .join("\n")
    .replace(/\\\n\s*/g, " ");
  return joined
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith(`npx tsx examples/${file}`))
    .map((l) => [...l.replace(/\s+#.*$/, "").matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]));
}

/** Words that name files: a path with a folder or a file extension, not an option, not a placeholder in capitals or brackets. */
const files = (words: string[]) =>
  words
    .slice(3)
    .filter(
      (w) =>
        !w.startsWith("-") &&
        !/^\[.*\]$/.test(w) &&
        !/^[A-Z_]+(\.[a-z]+)?$/.test(w) &&
        /\/|\.[a-z0-9]+$/.test(w) &&
        !w.includes(","),
    );

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ["--import", "tsx", ...args], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
}

function assertCatalogued(r: ReturnType<typeof run>, code: string, what: string) {
  assert.is(r.status, 2, `${what}: exit ${r.status}\n${r.stderr}`);
  assert.match(r.stderr, new RegExp(`error ${code}: `), `${what}: no catalogued ${code}\n${r.stderr}`);
  assert.not.match(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, `${what}: a stack trace\n${r.stderr}`);
  assert.ok(Buffer.byteLength(r.stderr) < 2048, `${what}: ${Buffer.byteLength(r.stderr)} bytes of stderr`);
}

test("every example has a header command and a test that runs it", () => {
  assert.equal(Object.keys(OWN_TEST).sort(), EXAMPLES, "a new example needs its test in OWN_TEST");
  for (const f of EXAMPLES) {
    assert.ok(headerCommands(f).length > 0, `examples/${f} shows no \`npx tsx examples/${f} ...\` line`);
    assert.match(readFileSync(OWN_TEST[f], "utf8"), `examples/${f}`, `${OWN_TEST[f]} does not run examples/${f}`);
  }
});

for (const f of EXAMPLES)
  for (const words of headerCommands(f)) {
    const missing = files(words).filter((p) => !existsSync(p));
    if (missing.length === 0) continue;
    test(`${words.join(" ").slice(0, 110)}: without ${missing.join(", ")}, MDL501 and exit 2`, () => {
      assertCatalogued(run(words.slice(2)), "MDL501", f);
    });
  }

test("the examples that take arguments say how to call them without: MDL001, exit 2", () => {
  for (const f of ["classify-video.ts", "export-onnx.ts", "predict.ts"])
    assertCatalogued(run([`examples/${f}`]), "MDL001", f);
});

test("a missing tool is MDL501 naming it: torch for export-torch.ts, Chromium for playground.ts", () => {
  const torch = run(["examples/export-torch.ts"], { MDL_TORCH_PYTHON: "/nonexistent/python3" });
  assertCatalogued(torch, "MDL501", "export-torch.ts");
  assert.match(torch.stderr, "/nonexistent/python3: error MDL501: a Python that imports torch");
  const chromium = run(["examples/playground.ts"], { MDL_CHROMIUM: "/nonexistent/chromium" });
  assertCatalogued(chromium, "MDL501", "playground.ts");
  assert.match(chromium.stderr, "/nonexistent/chromium: error MDL501: Chromium");
});

test("a model that cannot tokenize class names (the 512-token tiny fixture) is MDL407, not a crash", () => {
  const w = "test/fixtures/xclip-tiny-e64/weights.pth";
  assertCatalogued(
    run(["examples/classify-video.ts", "models/xclip.mdl", w, "video.mp4", "a,b"]),
    "MDL407",
    "classify-video.ts",
  );
  assertCatalogued(
    run(["examples/export-onnx.ts", "models/xclip.mdl", w, "video.mp4", "a,b", "/tmp/never-written.onnx"]),
    "MDL407",
    "export-onnx.ts",
  );
});

test.run();
