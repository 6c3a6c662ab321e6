/**
 * The playground bundle, as esbuild builds it: its own inputs import no Node builtin, and it stays a few MB.
 * (That no Node API enters the compiler or anything the page's entry points reach, however deep, is checked
 * on the import graph by test/architecture/layers.test.ts.)
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isBuiltin } from "node:module";
import { buildPlayground } from "../../scripts/playground.ts";

test("the playground bundle's own inputs import no Node builtin, and its size stays a few MB", async () => {
  const built = await buildPlayground();
  const inputs = Object.entries(built.metafile.inputs).filter(([f]) => !f.startsWith("node_modules/"));
  assert.ok(
    inputs.some(([f]) => f === "src/runtime/tfjs/lower.ts") && inputs.some(([f]) => f === "src/compiler/compile.ts"),
  );
  const bad = inputs.flatMap(([f, i]) =>
    i.imports.filter((x) => x.path.startsWith("node:") || isBuiltin(x.path)).map((x) => `${f} -> ${x.path}`),
  );
  assert.equal(bad, []);
  console.log(`  playground bundle: ${(built.bundleBytes / 1e6).toFixed(2)} MB of JavaScript and WebAssembly`);
  assert.ok(built.bundleBytes < 6e6, `${built.bundleBytes} bytes`);
});

test.run();
