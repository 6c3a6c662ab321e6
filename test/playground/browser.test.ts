/**
 * The playground in a real browser: Debian's Chromium, headless, driven by playwright-core, with WebGL2 and
 * WebGPU on SwiftShader. One browser and one page for every case (shader compilation costs seconds).
 * Every expected value is computed here in Node by the same library, or read from the official fixture.
 * Skipped, with the reason, where Chromium is missing; the WebGPU case also where it has no adapter.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { compile } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { analyze } from "../../src/compiler/4-ir/analyze.ts";
import { renderDiagnostic } from "../../src/compiler/diagnostics/render.ts";
import { SourceFile } from "../../src/compiler/source.ts";
import { diffModels } from "../../src/tools/diff/diff.ts";
import { printDiff } from "../../src/tools/diff/print.ts";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { toFloat32 } from "../../src/runtime/weights/tensor.ts";
import { needs } from "../helpers/requires.ts";
import { startPlayground } from "./start.ts";
import { runFixture, setEditorText } from "../../playground/driver.ts";

const FIXTURE = "test/fixtures/xclip-tiny-e64";
const ARTIFACTS = "test-output";
const files: Record<string, string> = {};
for (const dir of ["models", "models/variants"])
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".mdl")))
    files[`${dir}/${f}`] = readFileSync(`${dir}/${f}`, "utf8");
const nodeCompile = (entry: string, opts: Parameters<typeof compile>[2] = {}) =>
  compile(entry, memoryHost(files), { ...opts, text: opts.text ?? files[entry] });

const { session, missing } = await startPlayground();
const gpuMissing =
  missing ??
  (session &&
  !(await session.page.evaluate(
    async () =>
      !!(await (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter()),
  ))
    ? "this Chromium has no WebGPU adapter"
    : undefined);
const browserTest = needs(test, missing);
const page = () => session!.page;

function relError(ours: number[], ref: Float32Array): number {
  assert.is(ours.length, ref.length);
  let num = 0;
  let den = 0;
  ref.forEach((r, i) => {
    num += (ours[i] - r) ** 2;
    den += r ** 2;
  });
  return Math.sqrt(num / den);
}
/** Back to xclip.mdl as in the repo with no --set values, whatever an earlier (maybe failed) case left. */
async function clean(): Promise<void> {
  if ((await page().inputValue("#set")) !== "") await page().fill("#set", "");
  if (await page().locator("#diagnostics li.error").count()) await setEditorText(page(), files["models/xclip.mdl"]);
  await page().waitForSelector("#diagnostics li.ok", { timeout: 30_000 });
}

const refLogits = () => toFloat32(readSafetensors(`${FIXTURE}/io.safetensors`).tensors.get("out.logits")!);

browserTest("the page loads the compiler, checks xclip.mdl and reports its interactive time", async () => {
  await page().waitForSelector("body[data-checked]", { timeout: 60_000 });
  const marks = await page().evaluate(() =>
    Object.fromEntries(performance.getEntriesByType("mark").map((m) => [m.name, m.startTime])),
  );
  console.log(
    `  playground: interactive (editor takes input) at ${marks["mdl-interactive"].toFixed(0)} ms, first check shown at ${marks["mdl-checked"].toFixed(0)} ms; bundle ${(session!.built.bundleBytes / 1e6).toFixed(2)} MB`,
  );
  const ref = analyze(nodeCompile("models/xclip.mdl").value!).total;
  assert.is(Number(await page().getAttribute("#total-macs", "data-value")), ref.macs);
  assert.is(Number(await page().getAttribute("#total-params", "data-value")), ref.params);
});

browserTest(
  "typing a mistake shows the located diagnostic, with its did-you-mean, as mdl check renders it",
  async () => {
    await clean();
    // CodeMirror renders only the lines in view: the model's forward is in view at the end of the file
    await page().click(".cm-content");
    await page().keyboard.press("Control+End");
    await page().locator(".cm-line", { hasText: "let v = mit(reshape(cls" }).click();
    await page().keyboard.press("End");
    await page().keyboard.press("Shift+Home");
    await page().keyboard.insertText("let v = mit(reshape(cls, [B, frmes, embed]))");
    const li = page().locator("#diagnostics li.error").first();
    await li.waitFor({ timeout: 30_000 });
    const shown = (await li.textContent())!;
    const text = files["models/xclip.mdl"].replace(
      "let v = mit(reshape(cls, [B, frames",
      "let v = mit(reshape(cls, [B, frmes",
    );
    const ref = nodeCompile("models/xclip.mdl", { text }).diagnostics.filter((d) => d.severity === "error");
    assert.is(ref[0]?.hint, "did you mean `frames`?");
    assert.is(
      shown,
      renderDiagnostic(ref[0], (f) => (f === "models/xclip.mdl" ? new SourceFile(f, text) : undefined)),
    );
    const line = text.split("\n").findIndex((l) => l.includes("[B, frmes, embed]")) + 1;
    assert.match(shown, new RegExp(`^models/xclip\\.mdl:${line}:\\d+: error MDL201: unknown name \`frmes\``));
    assert.match(shown, "did you mean `frames`?");
    assert.is(await page().locator(".cm-lintRange-error").first().textContent(), "frmes");
  },
);

browserTest("changing frames with --set changes the summary's MACs to what mdl summary computes", async () => {
  await clean();
  const before = Number(await page().getAttribute("#total-macs", "data-value"));
  await page().fill("#set", "frames=16");
  await page().waitForFunction((b) => Number(document.getElementById("total-macs")?.dataset.value) !== b, before, {
    timeout: 30_000,
  });
  const after = Number(await page().getAttribute("#total-macs", "data-value"));
  const ref = analyze(nodeCompile("models/xclip.mdl", { set: [["frames", "16"]] }).value!).total.macs;
  assert.is(after, ref);
  assert.ok(after > 1.5 * before, `${before} -> ${after}`);
  await page().fill("#set", "");
  await page().waitForFunction((b) => Number(document.getElementById("total-macs")?.dataset.value) === b, before, {
    timeout: 30_000,
  });
});

browserTest("the diff panel shows X-CLIP against its no-prompt variant as mdl diff prints it", async () => {
  await clean();
  await page().click('#tabs button[data-tab="diff"]');
  await page().waitForFunction(
    () => (document.getElementById("diff-out")!.textContent ?? "").startsWith("---"),
    undefined,
    { timeout: 30_000 },
  );
  const shown = await page().textContent("#diff-out");
  const a = nodeCompile("models/xclip.mdl").value!;
  const b = nodeCompile("models/variants/xclip-no-prompts.mdl").value!;
  assert.is(shown, printDiff(diffModels(a, b)));
  assert.match(shown!, "- prompts_generator: VideoSpecificPrompt");
});

browserTest("the diagram panel draws mdl viz's graph", async () => {
  await clean();
  await page().click('#tabs button[data-tab="diagram"]');
  await page().waitForSelector("#diagram svg", { timeout: 60_000 });
  const labels = await page().locator("#diagram svg text").allTextContents();
  assert.ok(
    labels.some((t) => t.includes("prompts_generator")),
    labels.slice(0, 10).join(" | "),
  );
});

browserTest("the tiny X-CLIP fixture gives the official logits on webgl (rel err <= 1e-5)", async () => {
  await clean();
  const r = await runFixture(page(), "webgl");
  assert.is(r.ranOn, "webgl");
  const e = relError(r.outputs.logits, refLogits());
  console.log(`  webgl: logits rel err ${e.toExponential(2)}`);
  assert.ok(e <= 1e-5, `rel err ${e}`);
});

needs(test, gpuMissing)(
  "a .pth checkpoint by file picker gives the official logits on webgpu (rel err <= 1e-5)",
  async () => {
    const r = await runFixture(page(), "webgpu", [`${FIXTURE}/weights.pth`]);
    assert.is(r.ranOn, "webgpu");
    const e = relError(r.outputs.logits, refLogits());
    console.log(`  webgpu: logits rel err ${e.toExponential(2)}`);
    assert.ok(e <= 1e-5, `rel err ${e}`);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page().screenshot({ path: `${ARTIFACTS}/playground-run.png` });
  },
);

browserTest("the tiny model trains in the page: the loss falls over 20 steps", async () => {
  await page().selectOption("#backend", "wasm");
  await page().evaluate(() => (document.getElementById("run-out")!.innerHTML = ""));
  await page().click("#train-button");
  await page().waitForFunction(
    () =>
      document.getElementById("loss")!.dataset.losses ||
      /\S/.test(document.getElementById("run-out")!.textContent ?? ""),
    undefined,
    { timeout: 120_000 },
  );
  assert.ok(await page().getAttribute("#loss", "data-losses"), (await page().textContent("#run-out")) ?? undefined);
  const losses: number[] = JSON.parse((await page().getAttribute("#loss", "data-losses"))!);
  assert.is(losses.length, 20);
  assert.ok(losses.every(Number.isFinite) && losses[19] < losses[0], losses.join(", "));
});

browserTest("a screenshot of the page is kept as a test artifact; no errors were logged", async () => {
  await page().click('#tabs button[data-tab="summary"]');
  mkdirSync(ARTIFACTS, { recursive: true });
  await page().screenshot({ path: `${ARTIFACTS}/playground.png` });
  assert.equal(session!.errors, []);
});

test.after(async () => {
  await session?.close();
});

test.run();
