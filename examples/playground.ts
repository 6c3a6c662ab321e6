/**
 * The playground journey, scripted: build the page, serve it, open it in headless Chromium (Debian's, through
 * playwright-core), load the tiny X-CLIP fixture, run it, print which backend ran and the logits, and save a
 * screenshot of the page.
 *
 *   npx tsx examples/playground.ts [--backend auto|webgpu|webgl|wasm] [--screenshot page.png]
 *
 * To use the page yourself: `npm run playground` and open the URL it prints (any browser; `npm run
 * playground:build` writes the static folder dist/playground/ for any static host). MDL_CHROMIUM names
 * another Chromium binary.
 */
import { existsSync } from "node:fs";
import { openPlayground, runFixture } from "../playground/driver.ts";
import { runCommand } from "../src/cli/io.ts";
import { fail } from "../src/compiler/diagnostics/diagnostic.ts";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const backend = arg("--backend", "auto");
const screenshot = arg("--screenshot", "");

// runCommand prints a catalogued error (MDL code, file, message) and exits 2, as every mdl command does
await runCommand(async () => {
  const chromium = process.env.MDL_CHROMIUM ?? "/usr/lib/chromium/chromium";
  if (!existsSync(chromium))
    fail("not_found", chromium, "Chromium (Debian: apt-get install chromium; MDL_CHROMIUM names another binary)");
  const session = await openPlayground(chromium);
  try {
    const { page } = session;
    console.log(`playground served at ${session.url}`);
    await page.waitForSelector("body[data-checked]", { timeout: 60_000 });
    console.log(
      `summary: ${await page.textContent("#status")}, ${await page.textContent("#total-params")} parameters, ${await page.textContent("#total-macs")}MACs`,
    );
    // the same steps as a person: Run tab, "tiny X-CLIP fixture", choose a backend, Run
    const r = await runFixture(page, backend);
    console.log(`ran on ${r.ranOn}`);
    for (const [name, values] of Object.entries(r.outputs))
      console.log(`out.${name}: ${values.map((v) => v.toFixed(6)).join(" ")}`);
    console.log(await page.textContent("#run-out h4"));
    if (screenshot) {
      await page.click('#tabs button[data-tab="summary"]');
      await page.screenshot({ path: screenshot });
      console.log(`screenshot: ${screenshot}`);
    }
  } finally {
    await session.close();
  }
});
