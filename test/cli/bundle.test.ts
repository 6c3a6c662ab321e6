/**
 * bin/mdl.js runs the CLI from an esbuild bundle it builds at first use (bin/bundle.js). The bundle must say
 * exactly what `tsx src/cli/main.ts` says, cold (the run that builds it, two at once) and warm; a source edit
 * must be seen by the very next run; and where the bundle cannot be written the CLI still runs, through tsx.
 * Each case uses its own cache folder (MDL_CACHE) so that none depends on what an earlier run left.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

interface Out {
  status: number | null;
  stdout: string;
  stderr: string;
}

const ERROR_SAMPLE = "test/check/samples/error-axis-out-of-range/input.mdl";
const env = (cache: string) => ({
  ...process.env,
  MDL_CACHE: cache,
  MDL_NO_BUNDLE: "",
  MDL_DEBUG_BUNDLE: "1",
  NODE_OPTIONS: "",
});

const viaTsx = (args: string[], cwd = "."): Out =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
const viaBin = (args: string[], cache: string, cwd = "."): Out =>
  spawnSync(process.execPath, ["bin/mdl.js", ...args], { cwd, encoding: "utf8", env: env(cache) });
const viaBinAsync = (args: string[], cache: string): Promise<Out> =>
  new Promise((done) => {
    const child = spawn(process.execPath, ["bin/mdl.js", ...args], { env: env(cache) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
const same = (a: Out, b: Out, what: string) => {
  assert.is(a.stderr, b.stderr, `${what}: stderr`);
  assert.is(a.stdout, b.stdout, `${what}: stdout`);
  assert.is(a.status, b.status, `${what}: exit status`);
};
/** Bundles in a cache folder: the one-line entry files named by the sources' fingerprint. */
const bundles = (cache: string) => readdirSync(cache).filter((f) => /^[0-9a-f]{16}\.mjs$/.test(f));
/** A scratch folder inside the checkout, so that a bundle there finds the packages it leaves external. */
const scratch = (name: string) => mkdtempSync(join(resolve("node_modules"), `.mdl-test-${name}-`));

test("a cold and a warm run from the bundle print what tsx prints, for a clean model and one with errors", async () => {
  const cache = scratch("cold");
  try {
    const expected = viaTsx(["check", "models/xclip.mdl"]);
    assert.is(expected.stdout, "models/xclip.mdl: ok (1 configuration)\n");
    // two first runs at once: each builds, and neither sees the other's half-written files
    const [a, b] = await Promise.all([
      viaBinAsync(["check", "models/xclip.mdl"], cache),
      viaBinAsync(["check", "models/xclip.mdl"], cache),
    ]);
    same(a, expected, "cold run");
    same(b, expected, "second cold run");
    assert.is(bundles(cache).length, 1, "one bundle for one state of the sources");
    assert.ok(!readdirSync(cache).some((f) => f.endsWith(".tmp")), "no temporary file left");
    same(viaBin(["check", "models/xclip.mdl"], cache), expected, "warm run");
    same(viaBin(["check", ERROR_SAMPLE], cache), viaTsx(["check", ERROR_SAMPLE]), "errors");
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test("a source edit is run by the very next command, through a rebuilt bundle", () => {
  const copy = mkdtempSync(join(tmpdir(), "mdl-bundle-"));
  try {
    for (const p of [
      "bin",
      "src",
      "grammar",
      "models",
      "package.json",
      "package-lock.json",
      "tsconfig.json",
      "tsconfig.run.json",
    ]) {
      cpSync(p, join(copy, p), { recursive: true });
    }
    symlinkSync(resolve("node_modules"), join(copy, "node_modules"));
    const cache = join(copy, ".cache");
    const first = viaBin(["check", "models/xclip.mdl"], cache, copy);
    assert.is(first.stdout, "models/xclip.mdl: ok (1 configuration)\n", first.stderr);
    const [built] = bundles(cache);
    assert.ok(built, "the first run built a bundle");

    const main = join(copy, "src/cli/main.ts");
    writeFileSync(main, `process.stdout.write("edited\\n");\n${readFileSync(main, "utf8")}`);
    const edited = viaBin(["check", "models/xclip.mdl"], cache, copy);
    assert.is(edited.stdout, "edited\nmodels/xclip.mdl: ok (1 configuration)\n", edited.stderr);
    assert.is(bundles(cache).length, 2, "the edit built a second bundle");
    same(viaBin(["check", "models/xclip.mdl"], cache, copy), edited, "the run after the rebuild");

    // a syntax error cannot be bundled: tsx runs and reports it, as it would without a bundle
    writeFileSync(main, `${readFileSync(main, "utf8")}\nconst = ;\n`);
    const broken = viaBin(["check", "models/xclip.mdl"], cache, copy);
    assert.not.equal(broken.status, 0);
    assert.match(broken.stderr, /running through tsx/);
    assert.is(bundles(cache).length, 2);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test("where the cache cannot be written, the CLI runs through tsx and says nothing", () => {
  const dir = scratch("ro");
  try {
    // a folder below a plain file cannot be made, even by root
    writeFileSync(join(dir, "file"), "");
    const cache = join(dir, "file", "cache");
    const r = spawnSync(process.execPath, ["bin/mdl.js", "check", "models/xclip.mdl"], {
      encoding: "utf8",
      env: { ...env(cache), MDL_DEBUG_BUNDLE: "" },
    });
    same(r, viaTsx(["check", "models/xclip.mdl"]), "fallback");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
