/**
 * Folder direction: run/, session/ and train/ talk to the Engine interface and never import an engine's
 * package; nothing under src/runtime reaches into the CLI. Checked on the source text, import by import.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^import\s+["']([^"']+)["']/gm)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

test("the specifier scan sees static, type-only, re-export and dynamic imports", () => {
  const engine = specifiers("src/runtime/tfjs/engine.ts");
  assert.ok(engine.includes("@tensorflow/tfjs"));
  assert.ok(specifiers("src/runtime/tfjs/webgpu.ts").includes("@tensorflow/tfjs-backend-webgpu"));
  assert.ok(specifiers("src/runtime/weights/fs.ts").some((s) => s.endsWith("util/atomic-write.ts")));
});

test("nothing under src/runtime/{run,session,train} imports TensorFlow.js", () => {
  const bad = ["run", "session", "train"].flatMap((d) => files(`src/runtime/${d}`)).flatMap((f) => specifiers(f).filter((s) => s.startsWith("@tensorflow/")).map((s) => `${f}: ${s}`));
  assert.equal(bad, []);
});

test("nothing under src/runtime imports src/cli", () => {
  const cli = resolve("src/cli");
  const bad = files("src/runtime").flatMap((f) => specifiers(f).filter((s) => s.startsWith(".") && resolve(dirname(f), s).startsWith(cli + "/")).map((s) => `${f}: ${s}`));
  assert.equal(bad, []);
});

test("no synchronous tensor read anywhere in src/runtime (webgpu cannot read synchronously in Node)", () => {
  const bad = files("src/runtime").filter((f) => /\.(dataSync|arraySync|bufferSync)\(/.test(readFileSync(f, "utf8")));
  assert.equal(bad, []);
});

test.run();
