/**
 * `npm run demo`, run as a newcomer runs it (npm, the package.json script, a child process whose stdout is a
 * pipe read by a slow consumer), on a small budget: 2 seeds x 3 models x 3 steps of 2 videos (~15 s).
 * Its printed table is checked against what the run left on disk: the parameters against the checkpoints'
 * tensors, the accuracies against the confusion matrices in results.json (recomputed here, mean and sample
 * standard deviation over seeds), the losses against each run's metrics.jsonl. The demo's stdout is under
 * 1 KiB, so it fits a pipe's buffer even without the flush before exit: pipe.test.ts covers outputs larger
 * than the buffer; this checks the demo's own output is complete and matches table.md byte for byte.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const out = mkdtempSync(join(tmpdir(), "mdl-demo-"));
const ARGS = [
  "--out",
  out,
  "--seeds",
  "2",
  "--steps",
  "3",
  "--batch",
  "2",
  "--videos-per-class",
  "2",
  "--backend",
  "wasm",
  "--threads",
  "1",
];
const MODELS = ["CLIP mean-pool", "X-CLIP", "X-CLIP w/o prompts"];

test.after(() => rmSync(out, { recursive: true, force: true }));

interface Piped {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run -s demo -- ...` (-s: npm's own banner off, so stdout is the demo's alone); 20 ms per chunk read. */
function runDemo(): Promise<Piped> {
  return new Promise((done) => {
    const child = spawn("npm", ["run", "-s", "demo", "--", ...ARGS], { stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      chunks.push(c);
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 20);
    });
    child.stderr.on("data", (c: Buffer) => (err += c));
    child.on("close", (code) => done({ code, stdout: Buffer.concat(chunks).toString("utf8"), stderr: err }));
  });
}

const slug = (name: string) => name.replace(/\W+/g, "-").toLowerCase();

/** Elements of every tensor in a .safetensors file, read from its JSON header. */
function safetensorsElements(file: string): number {
  const b = readFileSync(file);
  const header = JSON.parse(b.subarray(8, 8 + Number(b.readBigUInt64LE(0))).toString("utf8")) as Record<
    string,
    { shape?: number[] }
  >;
  return Object.entries(header)
    .filter(([k]) => k !== "__metadata__")
    .reduce((n, [, v]) => n + v.shape!.reduce((a, d) => a * d, 1), 0);
}

/** top-1, right pair, right direction within the pair, from a confusion matrix (rows: truth; classes 2p, 2p+1 pair up). */
function scores(confusion: number[][]) {
  let total = 0,
    diag = 0,
    pair = 0;
  confusion.forEach((row, t) =>
    row.forEach((n, p) => {
      total += n;
      if (p === t) diag += n;
      if (p >> 1 === t >> 1) pair += n;
    }),
  );
  return { total, top1: diag / total, pair: pair / total, direction: pair ? diag / pair : NaN };
}

const meanSd = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { m, sd: xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0 };
};
// the table's cell: mean ± sample standard deviation in percent, "–" when no run has a value
const pct = (xs: number[]) =>
  xs.length ? `${(100 * meanSd(xs).m).toFixed(1)} ± ${(100 * meanSd(xs).sd).toFixed(1)}` : "–";

test("npm run demo on a small budget: a table that agrees with the runs it made, whole through a pipe", async () => {
  const r = await runDemo();
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stderr, /\n\s+at /, "no stack trace");

  // stdout through the pipe is exactly the table the demo wrote, then its one-line summary
  const table = readFileSync(join(out, "table.md"), "utf8");
  const lines = r.stdout.split("\n");
  assert.is(lines[0], "");
  assert.is(lines.slice(1, 1 + table.split("\n").length - 1).join("\n") + "\n", table, "the table arrives whole");
  assert.match(
    r.stdout,
    new RegExp(
      `\\n\\n2 seed\\(s\\), 3 steps of 2 videos, tfjs-wasm; wall time \\d+ s; curves: ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/curves\\.svg\\n$`,
    ),
  );

  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as {
    runs: {
      model: string;
      seed: number;
      top1: number;
      pairAccuracy: number;
      directionAccuracy: number | null;
      confusion: number[][];
      finalLoss: number;
    }[];
  };
  const testCount = readFileSync(join(out, "data-2", "test.txt"), "utf8")
    .trim()
    .split("\n").length;
  const rows = table
    .trim()
    .split("\n")
    .slice(2)
    .map((l) =>
      l
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  assert.equal(
    rows.map((c) => c[0]),
    MODELS,
  );
  assert.is(results.runs.length, 6);

  for (const [name, params, , sPerStep, top1, pair, direction] of rows) {
    const runs = results.runs.filter((x) => x.model === name);
    assert.equal(runs.map((x) => x.seed).sort(), [0, 1], name);
    // parameters: the elements of the tensors the run saved (every parameter, the frozen text encoder too)
    const weights = safetensorsElements(join(out, "runs", slug(name), "seed-0", "ckpt-3", "weights.safetensors"));
    assert.is(params, `${(weights / 1e6).toFixed(2)} M`, name);
    assert.ok(Number(sPerStep) > 0, `${name}: ${sPerStep} s/step`);
    const s = runs.map((x) => scores(x.confusion));
    for (const [i, x] of runs.entries()) {
      assert.is(s[i].total, testCount, `${name}: every test video counted once`);
      assert.ok(Math.abs(x.top1 - s[i].top1) < 1e-12 && Math.abs(x.pairAccuracy - s[i].pair) < 1e-12, name);
    }
    assert.is(top1, pct(s.map((x) => x.top1)), `${name} top-1`);
    assert.is(pair, pct(s.map((x) => x.pair)), `${name} right pair`);
    assert.is(direction, pct(s.map((x) => x.direction).filter(Number.isFinite)), `${name} direction`);

    for (const x of runs) {
      // the loss printed per run, the one in results.json and the last line of the run's own metrics agree
      const lines = readFileSync(join(out, "runs", slug(name), `seed-${x.seed}`, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { step: number; loss?: number; eval?: Record<string, number | null> });
      const metrics = lines.filter((l) => l.loss !== undefined) as { step: number; loss: number }[];
      assert.equal(
        metrics.map((m) => m.step),
        [1, 2, 3],
        `${name} seed ${x.seed}: 3 steps`,
      );
      // the run's last line is its test: the scores results.json has
      assert.equal(lines.at(-1)!.eval, {
        top1: x.top1,
        top5: lines.at(-1)!.eval!.top5,
        pair: x.pairAccuracy,
        direction: x.directionAccuracy,
      });
      assert.is(x.finalLoss, metrics[2].loss);
      assert.ok(Number.isFinite(x.finalLoss) && x.finalLoss > 0);
      assert.match(
        r.stderr,
        `${name} seed ${x.seed}: loss ${x.finalLoss.toFixed(3)}, top-1 ${(100 * x.top1).toFixed(1)}%`,
      );
    }
  }
  // the curves: one labelled line per model
  const svg = readFileSync(join(out, "curves.svg"), "utf8");
  for (const m of MODELS) assert.ok(svg.includes(`>${m}<`), `curves.svg names ${m}`);
});

test.run();
