/**
 * Node side: drive the built playground in Debian's Chromium through playwright-core (never a downloaded
 * browser). Used by the browser tests and examples/playground.ts. The flags give WebGL2 and WebGPU on
 * SwiftShader (true float32) on a machine without a GPU; a fresh profile keeps runs independent.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:http";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { buildPlayground, servePlayground, type BuildResult } from "../scripts/playground.ts";

export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--enable-unsafe-swiftshader",
  "--enable-unsafe-webgpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface Session {
  built: BuildResult;
  url: string;
  context: BrowserContext;
  page: Page;
  /** Messages the page logged as errors (uncaught exceptions, console.error). */
  errors: string[];
  close(): Promise<void>;
}

export async function openPlayground(executablePath: string, opts: { build?: boolean } = {}): Promise<Session> {
  const built = opts.build === false ? undefined : await buildPlayground();
  const { server, url } = await servePlayground(built?.dir);
  const profile = mkdtempSync(join(tmpdir(), "mdl-chromium-"));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1400, height: 860 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(url);
    await page.waitForSelector("body[data-ready]");
    const c = context;
    return {
      built: built!,
      url,
      context: c,
      page,
      errors,
      close: async () => {
        await c.close();
        await closeServer(server);
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await context?.close();
    await closeServer(server);
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}

const closeServer = (s: Server) => new Promise<void>((ok) => s.close(() => ok()));

/** Replace the editor's whole text, as typing would (CodeMirror sees one change). */
export async function setEditorText(page: Page, text: string): Promise<void> {
  await page.click(".cm-content");
  await page.keyboard.press("Control+a");
  await page.keyboard.insertText(text);
}

/** Load the bundled tiny X-CLIP fixture, run on `backend`, return the backend that ran and the output values. */
export async function runFixture(
  page: Page,
  backend: string,
  files?: string[],
): Promise<{ ranOn: string; outputs: Record<string, number[]> }> {
  await page.click('#tabs button[data-tab="run"]');
  if (files) await page.setInputFiles("#ckpt-file", files);
  else await page.click("#demo");
  await page.waitForSelector("#run-button:not([disabled])");
  await page.selectOption("#backend", backend);
  await page.evaluate(() => (document.getElementById("run-out")!.innerHTML = ""));
  await page.click("#run-button");
  await page.waitForFunction(
    () =>
      document.getElementById("ran-on") ||
      (/\S/.test(document.getElementById("run-out")!.textContent ?? "") &&
        !/running/.test(document.getElementById("run-out")!.textContent!)),
    undefined,
    { timeout: 120_000 },
  );
  return page.evaluate(() => {
    const ran = document.getElementById("ran-on");
    if (!ran) throw new Error(`the run failed: ${document.getElementById("run-out")!.textContent}`);
    const outputs: Record<string, number[]> = {};
    for (const t of document.querySelectorAll<HTMLElement>("table.output"))
      outputs[t.dataset.output!] = JSON.parse(t.dataset.values!);
    return { ranOn: ran.dataset.backend!, outputs };
  });
}
