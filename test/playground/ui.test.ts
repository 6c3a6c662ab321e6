/**
 * The page's layout and states in headless Chromium: at 1024 and 1440 px wide, the summary, diff and run
 * tabs fit the window (screenshots kept in a temporary folder, printed); a summary shown while the editor
 * has errors is marked stale; the Run tab runs the bundled fixture under a header preset and --set that
 * conflict with it, and says it did not apply them; Train is disabled while it trains; the loss chart has
 * axes; "auto" never picks a software GPU, and a software adapter asked for by name is said to be one.
 * Skipped, with the reason, where Chromium is missing.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { toFloat32 } from "../../src/runtime/weights/tensor.ts";
import { needs } from "../helpers/requires.ts";
import { startPlayground } from "./start.ts";
import { runFixture, setEditorText } from "../../playground/driver.ts";

const XCLIP = readFileSync("models/xclip.mdl", "utf8");
const refLogits = toFloat32(readSafetensors("test/fixtures/xclip-tiny-e64/io.safetensors").tensors.get("out.logits")!);

const { session, missing } = await startPlayground();
const browserTest = needs(test, missing);
const page = () => session!.page;

/** What the browser says its WebGPU adapter is, or undefined when it has none. */
const adapter = session
  ? await session.page.evaluate(async () => {
      const a = await (
        navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ info: Record<string, string> } | null> } }
      ).gpu?.requestAdapter();
      return a ? `${a.info.vendor} ${a.info.architecture} ${a.info.description}` : undefined;
    })
  : undefined;
const softwareGpu = adapter && /swiftshader|llvmpipe|software/i.test(adapter);

/**
 * Elements wider than the window, or whose content overflows them sideways (a line running off its pane).
 * A string, so that no helper the test's compiler adds (esbuild's __name) travels into the page.
 */
const OVERFLOWING = `(() => {
  const out = [];
  if (document.documentElement.scrollWidth > innerWidth) out.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " > " + innerWidth);
  for (const e of document.querySelectorAll("body *")) {
    const name = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + [...e.classList].map((c) => "." + c).join("");
    const r = e.getBoundingClientRect();
    if (r.width && r.right > innerWidth + 0.5) out.push(name + " ends at " + r.right.toFixed(0) + " px");
    // the editor scrolls its own long lines; what the panes hold must fit them
    else if (e.closest(".panel") && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === "visible") out.push(name + " holds " + e.scrollWidth + " px in " + e.clientWidth);
  }
  return out;
})()`;
const overflowing = (p: Page) => p.evaluate<string[]>(OVERFLOWING);

const clean = async () => {
  await page().fill("#set", "");
  await page().selectOption("#preset", "");
  if (await page().locator("#diagnostics li.error").count()) await setEditorText(page(), XCLIP);
  await page().waitForSelector("#diagnostics li.ok", { timeout: 30_000 });
};

browserTest("at 1024 and 1440 px the summary, diff and run tabs fit the window (screenshots kept)", async () => {
  await page().waitForSelector("body[data-checked]", { timeout: 60_000 });
  await runFixture(page(), "wasm"); // the run tab with its output tables
  const dir = mkdtempSync(join(tmpdir(), "mdl-playground-shots-"));
  const found: string[] = [];
  for (const width of [1024, 1440]) {
    await page().setViewportSize({ width, height: 800 });
    for (const tab of ["summary", "diff", "run"]) {
      await page().click(`#tabs button[data-tab="${tab}"]`);
      if (tab === "summary") await page().waitForSelector("#summary table");
      if (tab === "diff")
        await page().waitForFunction(
          () => (document.getElementById("diff-out")!.textContent ?? "").startsWith("---"),
          undefined,
          { timeout: 30_000 },
        );
      await page().screenshot({ path: join(dir, `${tab}-${width}.png`) });
      found.push(...(await overflowing(page())).map((o) => `${tab} at ${width} px: ${o}`));
    }
  }
  console.log(`  playground screenshots: ${dir}`);
  await page().setViewportSize({ width: 1400, height: 860 });
  assert.equal(found, []);
});

browserTest("the checker of overflow finds a line that runs off its pane", async () => {
  await page().click('#tabs button[data-tab="diff"]');
  await page().waitForFunction(
    () => (document.getElementById("diff-out")!.textContent ?? "").startsWith("---"),
    undefined,
    { timeout: 30_000 },
  );
  await page().evaluate(() => (document.getElementById("diff-out")!.style.whiteSpace = "pre"));
  await page().setViewportSize({ width: 1024, height: 800 });
  const found = await overflowing(page());
  await page().evaluate(() => (document.getElementById("diff-out")!.style.whiteSpace = ""));
  await page().setViewportSize({ width: 1400, height: 860 });
  assert.ok(
    found.some((f) => f.startsWith("pre#diff-out")),
    found.join("\n"),
  );
});

browserTest("a summary shown while the editor has an error is marked stale, and unmarked once it checks", async () => {
  await clean();
  await page().click('#tabs button[data-tab="summary"]');
  assert.is(await page().locator("#summary.stale").count(), 0);
  await setEditorText(
    page(),
    XCLIP.replace("let v = mit(reshape(cls, [B, frames", "let v = mit(reshape(cls, [B, frmes"),
  );
  await page().waitForSelector("#summary.stale .stale-note", { timeout: 30_000 });
  assert.match((await page().textContent("#summary .stale-note"))!, /out of date: the definition has 1 error\(s\)/);
  assert.ok(await page().isVisible("#summary .stale-note"));
  assert.ok(await page().isVisible("#summary table"), "the last summary that checked stays, marked");
  assert.is(await page().locator("#diagram.stale .stale-note").count(), 1);
  await setEditorText(page(), XCLIP);
  await page().waitForSelector("#summary:not(.stale)", { timeout: 30_000 });
  assert.is(await page().locator("#summary .stale-note").count(), 0);
});

browserTest("the diagram labels the token ids' edges i64 and says how many times a stack repeats", async () => {
  await clean();
  await page().click('#tabs button[data-tab="diagram"]');
  await page().waitForSelector("#diagram svg", { timeout: 60_000 });
  const labels = await page().locator("#diagram svg text").allTextContents();
  assert.ok(labels.includes("decoder: PromptGeneratorLayer ×2"), labels.join(" | "));
  assert.ok(labels.includes("i64[K, 77]"), labels.join(" | "));
});

browserTest(
  "the fixture runs under a conflicting header preset and --set, and the Run tab says it did not apply them",
  async () => {
    await clean();
    await page().selectOption("#preset", "B/16");
    await page().fill("#set", "frames=16");
    await page().waitForFunction(
      () => /\bpatch=16\b/.test(document.getElementById("summary")!.textContent ?? ""),
      undefined,
      { timeout: 30_000 },
    );
    const r = await runFixture(page(), "wasm");
    const logits = r.outputs.logits;
    assert.is(logits.length, refLogits.length);
    logits.forEach((v, i) => assert.ok(Math.abs(v - refLogits[i]) < 1e-5, `${v} vs ${refLogits[i]}`));
    assert.is(await page().getAttribute("#run-config", "data-dropped"), "preset B/16, --set frames=16");
    const said = (await page().textContent("#run-config"))!;
    assert.match(said, "hyperparameters: all from the checkpoint and inputs");
    assert.match(
      said,
      "not applied: the header's preset B/16 (`patch` is 16 (preset B/16), but `visual.conv1.weight` with shape [64, 3, 8, 8] implies patch = 8)",
    );
    assert.match(said, "not applied: the header's --set frames=16 (`frames` is 16 (--set), but");
    await clean();
  },
);

browserTest("Train is disabled while it trains; the loss chart has step and loss axes with ticks", async () => {
  await page().selectOption("#backend", "wasm");
  await page().evaluate(() => (document.getElementById("run-out")!.innerHTML = ""));
  // the tiny model trains in about 100 ms on wasm: read the buttons in the same task as the click
  const during = await page().evaluate(() => {
    (document.getElementById("train-button") as HTMLButtonElement).click();
    return ["train-button", "run-button", "backend"].map(
      (id) => (document.getElementById(id) as HTMLButtonElement).disabled,
    );
  });
  assert.equal(during, [true, true, true], "Train, Run and the backend wait for the training");
  await page().waitForFunction(
    () =>
      document.getElementById("loss")!.dataset.losses ||
      /\S/.test(document.getElementById("run-out")!.textContent ?? ""),
    undefined,
    { timeout: 120_000 },
  );
  const losses: number[] = JSON.parse((await page().getAttribute("#loss", "data-losses"))!);
  assert.is(losses.length, 20);
  assert.ok(await page().isEnabled("#train-button"), "Train comes back once the training is over");
  assert.equal(await page().locator("#loss .axis-label").allTextContents(), ["step", "loss"]);
  const steps = (await page().locator("#loss .axis.x .tick text").allTextContents()).map(Number);
  assert.ok(steps.length >= 3 && steps[0] >= 1 && steps[steps.length - 1] <= 20, steps.join(", "));
  const ys = (await page().locator("#loss .axis.y .tick text").allTextContents()).map(Number);
  assert.ok(
    ys.length >= 2 && ys[0] <= Math.min(...losses) && ys[ys.length - 1] >= Math.max(...losses),
    `${ys} for ${Math.min(...losses)}..${Math.max(...losses)}`,
  );
});

browserTest('"auto" passes over a software GPU and says why', async () => {
  const r = await runFixture(page(), "auto");
  const said = (await page().textContent("#ran-on"))!;
  console.log(`  auto: ${said}`);
  if (softwareGpu) {
    assert.is.not(r.ranOn, "webgpu");
    assert.match(said, /passed over: .*webgpu: software adapter/);
  }
  assert.is(await page().getAttribute("#ran-on", "data-software"), "", "auto ran on a software GPU");
});

needs(test, missing ?? (softwareGpu ? undefined : `the WebGPU adapter is ${adapter ?? "missing"}, not a software one`))(
  "webgpu asked for by name on a software adapter says software",
  async () => {
    const r = await runFixture(page(), "webgpu");
    assert.is(r.ranOn, "webgpu");
    assert.is(await page().getAttribute("#ran-on", "data-software"), "1");
    assert.match(
      (await page().textContent("#ran-on"))!,
      /ran on webgpu on a software adapter \(.*(swiftshader|llvmpipe|software)/i,
    );
  },
);

browserTest("no errors were logged", () => {
  assert.equal(session!.errors, []);
});

test.after(async () => {
  await session?.close();
});

test.run();
