/**
 * The prettier plugin writes what `mdl fmt` writes: from its TypeScript source through prettier's
 * API, from the entry prettier loads (src/prettier/plugin.mjs, which bundles the source at first use
 * into a fresh cache here), and from plain `prettier --plugin` on the command line.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as prettier from "prettier";
import type { Plugin } from "prettier";
import source from "../../src/prettier/index.ts";
import { formatSource } from "../../src/compiler/1-syntax/print.ts";
import { formattedFiles, mangle, read, sampleFiles, scratch } from "./helpers.ts";

const BUNDLE = "src/prettier/plugin.mjs";
// a cache of this test's own, so that the first use (the build) is what runs
const CACHE = scratch("plugin-cache");
const bundled = await withCache(async () => (await import(`../../${BUNDLE}`)).default as Plugin);

/** MDL_CACHE set for the import only: the tests after this file in the same process spawn mdl with the default cache. */
async function withCache<T>(f: () => Promise<T>): Promise<T> {
  const saved = process.env.MDL_CACHE;
  process.env.MDL_CACHE = CACHE;
  try {
    return await f();
  } finally {
    if (saved === undefined) delete process.env.MDL_CACHE;
    else process.env.MDL_CACHE = saved;
  }
}

test("the first use builds the plugin into the cache (not tsx's fallback), one self-contained file", () => {
  const built = readdirSync(CACHE).filter((f) => /^prettier-plugin-[0-9a-f]{16}\.mjs$/.test(f));
  assert.equal(built.length, 1, readdirSync(CACHE).join(", "));
  assert.not.match(readFileSync(join(CACHE, built[0]), "utf8"), /from\s*"prettier"|\.ts"/);
});

const cases = [
  ...[...formattedFiles, ...sampleFiles].map((f) => ({ name: f, text: read(f) })),
  ...formattedFiles.map((f, i) => ({ name: `${f} (mangled)`, text: mangle(read(f), 100 + i) })),
];

for (const [label, plugin] of [
  ["src/prettier/index.ts", source],
  [BUNDLE, bundled],
] as const) {
  test(`${label} through prettier.format gives mdl fmt's text on every repo .mdl and mangled copies`, async () => {
    for (const c of cases) {
      const want = formatSource(c.name, c.text).value;
      assert.ok(want !== undefined, c.name);
      assert.fixture(await prettier.format(c.text, { parser: "mdl", plugins: [plugin] }), want, c.name);
    }
    // the language is found from the extension too
    const text = mangle(read("models/clip.mdl"), 5);
    assert.fixture(
      await prettier.format(text, { filepath: "anything/clip.mdl", plugins: [plugin] }),
      read("models/clip.mdl"),
    );
  });

  test(`${label}: a syntax error is a prettier error with the catalogue code and a location`, async () => {
    try {
      await prettier.format("block X(d: int {\n}\n", { parser: "mdl", plugins: [plugin] });
      assert.unreachable("no error");
    } catch (err) {
      const e = err as Error & { loc?: { start: { line: number; column: number } } };
      assert.match(e.message, /MDL101: unexpected `\{`; expected `\)`/);
      assert.equal(e.loc?.start, { line: 1, column: 16 });
    }
  });
}

test("plain `prettier --plugin src/prettier/plugin.mjs` (no tsx) formats a file and reports a bad one", () => {
  const dir = scratch("prettier");
  writeFileSync(join(dir, "xclip.mdl"), mangle(read("models/xclip.mdl"), 31));
  writeFileSync(join(dir, "bad.mdl"), "model M {\n  forward( -> [] {}\n}\n");
  const prettierBin = "node_modules/prettier/bin/prettier.cjs";
  const ok = spawnSync(process.execPath, [prettierBin, "--plugin", `./${BUNDLE}`, join(dir, "xclip.mdl")], {
    encoding: "utf8",
  });
  assert.is(ok.status, 0, ok.stderr);
  assert.fixture(ok.stdout, read("models/xclip.mdl"));
  const bad = spawnSync(process.execPath, [prettierBin, "--plugin", `./${BUNDLE}`, join(dir, "bad.mdl")], {
    encoding: "utf8",
  });
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /bad\.mdl: MdlSyntaxError: MDL101/);
  assert.match(bad.stderr, /> 2 \|   forward\( -> \[\] \{\}/);
});

test.run();
