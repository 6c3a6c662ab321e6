/**
 * The playground's load in headless Chromium (Debian's, SwiftShader): the Performance API's marks for
 * "the editor takes input" (`mdl-interactive`) and "the first check is shown" (`mdl-checked`), median of
 * several reloads, against a baseline in the same browser and window: a blank page that only sets a mark.
 * Also the bundle's size. Appends a section to bench/RESULTS.md. Skips (exit 0) where Chromium is missing.
 */
import { appendFileSync, existsSync } from "node:fs";
import { loadavg } from "node:os";
import { openPlayground } from "../playground/driver.ts";

const CHROMIUM = process.env.MDL_CHROMIUM ?? "/usr/lib/chromium/chromium";
const RUNS = 5;
if (!existsSync(CHROMIUM)) {
  console.log(`skip: Chromium is not at ${CHROMIUM}`);
  process.exit(0);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const loadStart = loadavg()[0];
const s = await openPlayground(CHROMIUM);
const { page } = s;
const marks = () =>
  page.evaluate(() => Object.fromEntries(performance.getEntriesByType("mark").map((m) => [m.name, m.startTime])));
const interactive: number[] = [];
const checked: number[] = [];
const blank: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    await page.goto(s.url);
    await page.waitForSelector("body[data-checked]", { timeout: 120_000 });
    const m = await marks();
    interactive.push(m["mdl-interactive"]);
    checked.push(m["mdl-checked"]);
    await page.goto("data:text/html,<title>blank</title><script>performance.mark('blank')</script>");
    blank.push((await marks()).blank);
  }
} finally {
  await s.close();
}
const row = (what: string, xs: number[]) =>
  `| ${what} | ${median(xs).toFixed(0)} | ${Math.min(...xs).toFixed(0)} | ${(median(xs) / median(blank)).toFixed(1)}x |`;
const section = [
  `\n## playground (${new Date().toISOString().slice(0, 10)})`,
  `Headless Chromium (Debian) on SwiftShader, page served from 127.0.0.1, ${RUNS} loads. Load average ${loadStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at the end (shared host). Bundle: ${(s.built.bundleBytes / 1e6).toFixed(2)} MB of JavaScript and WebAssembly, of which a first load fetches 1.1 MB (the page, the compiler worker and their shared chunks); TensorFlow.js (1.5 MB), its wasm binaries and Graphviz (0.8 MB) load when first used.`,
  "",
  "| mark (ms after navigation start) | median | min | / blank page |",
  "|---|---|---|---|",
  row("blank page (baseline)", blank),
  row("`mdl-interactive`: the editor shows xclip.mdl and takes input", interactive),
  row("`mdl-checked`: first diagnostics and summary shown (compiler worker)", checked),
  "",
].join("\n");
console.log(section);
appendFileSync("bench/RESULTS.md", section);
