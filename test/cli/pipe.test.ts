/**
 * Output through a pipe arrives whole: `mdl summary/ir/diff --json | <a JSON reader>` for every model, many
 * runs in a row, half of them read by a slow consumer (the case where a bare `process.exit` used to drop
 * everything past the first 64 KiB), and a reader that closes early (`| head -c 10`) costs no error text.
 * Runs: MDL_PIPE_ROUNDS rounds over every (command, model) pair (default 1; the 20 is
 * `MDL_PIPE_ROUNDS=20`, measured in bench/RESULTS.md). Spawns go two at a time: the machine has 2 cores.
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const BIN = resolve("bin/mdl.js");
const MODELS = [
  "models/clip.mdl",
  "models/xclip.mdl",
  ...readdirSync("models/variants").map((f) => `models/variants/${f}`),
];
const ROUNDS = Number(process.env.MDL_PIPE_ROUNDS ?? 1);

const JOBS: string[][] = MODELS.flatMap((m, i) => [
  ["summary", m, "--json"],
  ["ir", m, "--json"],
  // diff against another model, so the output has substance; exit 1 = "they differ"
  ["diff", m, MODELS[(i + 1) % MODELS.length], "--json"],
]);

interface Piped {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawn mdl with its stdout a pipe; a slow reader pauses 30 ms per chunk so the child must wait for it. */
function run(args: string[], slow: boolean, stopAfter?: number): Promise<Piped> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out.push(chunk);
      if (stopAfter !== undefined && Buffer.concat(out).length >= stopAfter)
        child.stdout.destroy(); // like `head -c`
      else if (slow) {
        child.stdout.pause();
        setTimeout(() => child.stdout.resume(), 30);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (err += chunk));
    child.on("close", (code) => done({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: err }));
  });
}

test(`summary/ir/diff --json through a pipe parse for every model, ${ROUNDS} round(s) of ${JOBS.length} runs`, async () => {
  const runs = Array.from({ length: ROUNDS }, (_, r) =>
    JOBS.map((args, j) => ({ args, slow: (r + j) % 2 === 0 })),
  ).flat();
  const sizes = new Map<string, number>();
  for (let i = 0; i < runs.length; i += 2) {
    const pair = runs.slice(i, i + 2);
    const results = await Promise.all(pair.map(({ args, slow }) => run(args, slow)));
    pair.forEach(({ args, slow }, k) => {
      const { code, stdout, stderr } = results[k];
      const label = `mdl ${args.join(" ")}${slow ? " (slow reader)" : ""}`;
      assert.ok(code === 0 || (args[0] === "diff" && code === 1), `${label}: exit ${code}\n${stderr}`);
      assert.is(stderr, "", label);
      let parsed: unknown;
      try {
        parsed = JSON.parse(stdout);
      } catch (e) {
        assert.unreachable(`${label}: ${stdout.length} bytes that do not parse (${(e as Error).message})`);
      }
      assert.type(parsed, "object", label);
      // Every run of one command yields the same bytes: nothing cut at a 64 KiB boundary.
      const key = args.join(" ");
      if (sizes.has(key)) assert.is(stdout.length, sizes.get(key), `${label}: size changed between runs`);
      sizes.set(key, stdout.length);
    });
  }
  // The case that was cut before: at least one output is larger than a pipe's 64 KiB buffer.
  assert.ok(Math.max(...sizes.values()) > 65536);
});

test("a reader that closes early (`| head -c 10`): exit 0 and no error text", async () => {
  const r = await run(["ir", "models/xclip.mdl", "--json"], false, 10);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, "");
  assert.is(r.stdout.slice(0, 10), '{"irVersio');
});

test.run();
