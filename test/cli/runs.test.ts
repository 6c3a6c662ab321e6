/**
 * `mdl runs list|compare|plot` over run folders whose numbers the test wrote itself (2 variants x 2 seeds, one
 * older run with only a checkpoint's state.json), checked against means and sample sds computed here; the
 * errors (no runs, a damaged metrics file) as catalogued messages with exit 2; and the demo on a tiny budget,
 * whose printed table `mdl runs compare` over its runs must reproduce byte for byte.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTaskProgress } from "../../src/runtime/train/progress.ts";

const work = mkdtempSync(join(tmpdir(), "mdl-runs-"));
test.after(() => rmSync(work, { recursive: true, force: true }));

const mdl = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/mdl.js", ...args], { encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" } });

interface Fake {
  variant: string;
  seed: number;
  losses: number[];
  /** examples per second of each step (batch 4). */
  eps: number[];
  top1: number;
  direction: number | null;
}

const FAKES: Fake[] = [
  { variant: "base", seed: 0, losses: [2.3, 2.1, 1.9, 1.7], eps: [40, 40, 50, 50], top1: 0.2, direction: 0.5 },
  { variant: "base", seed: 1, losses: [2.3, 2.2, 2.0, 1.8], eps: [20, 40, 40, 40], top1: 0.3, direction: null },
  { variant: "temporal", seed: 0, losses: [2.2, 1.8, 1.4, 1.0], eps: [10, 10, 10, 10], top1: 0.5, direction: 0.75 },
  { variant: "temporal", seed: 1, losses: [2.2, 1.6, 1.2, 0.9], eps: [10, 20, 20, 20], top1: 0.7, direction: 0.6 },
];

const fakes = join(work, "fakes");
for (const f of FAKES) {
  const dir = join(fakes, f.variant, `seed-${f.seed}`);
  mkdirSync(dir, { recursive: true });
  const lines = f.losses.map((loss, i) => ({
    step: i + 1,
    loss,
    lr: 1e-3 * (1 - i / 4),
    examples_per_s: f.eps[i],
    epoch: 0,
  }));
  const evalLine = { step: 4, eval: { top1: f.top1, direction: f.direction } };
  writeFileSync(join(dir, "metrics.jsonl"), [...lines, evalLine].map((l) => JSON.stringify(l) + "\n").join(""));
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({ variant: f.variant, seed: f.seed, training: { steps: 4, batch: 2, accum: 2 } }),
  );
}
// best/ of one run, as --eval-every with a best metric leaves it
mkdirSync(join(fakes, "temporal", "seed-1", "best"));
writeFileSync(
  join(fakes, "temporal", "seed-1", "best", "best.json"),
  JSON.stringify({ step: 3, metric: "top1", value: 0.71 }),
);
// a run from before config.json: what it was is in its newest checkpoint's state.json
const old = join(work, "old", "x");
mkdirSync(join(old, "ckpt-2"), { recursive: true });
writeFileSync(
  join(old, "metrics.jsonl"),
  '{"step":1,"loss":3,"lr":0.1,"examples_per_s":8}\n{"step":2,"loss":2.5,"lr":0.1,"examples_per_s":4}\n{"step":3,"lo',
);
writeFileSync(join(old, "latest.json"), JSON.stringify({ checkpoint: "ckpt-2", step: 2 }));
writeFileSync(
  join(old, "ckpt-2", "state.json"),
  JSON.stringify({
    step: 2,
    schedule: { seed: 7, batch: 4, accum: 1, totalSteps: 10 },
    config: { file: "models/xclip.mdl", preset: "tiny", seed: 7 },
  }),
);

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1));
const wall = (f: Fake) => f.eps.reduce((a, e) => a + 4 / e, 0);

test("runs list: one row per run with steps, last loss, best and time in steps; an older run read from its checkpoint", () => {
  const r = mdl("runs", "list", fakes, join(work, "old"), "--format", "json");
  assert.is(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as {
    run: string;
    variant: string;
    seed: number;
    steps: number;
    total_steps: number;
    last_loss: number;
    best: { metric: string; value: number; step: number } | null;
    wall_s: number;
  }[];
  assert.equal(
    rows.map((x) => [x.variant, x.seed]),
    [
      ["base", 0],
      ["base", 1],
      ["temporal", 0],
      ["temporal", 1],
      ["xclip [tiny]", 7],
    ],
  );
  FAKES.forEach((f, i) => {
    assert.is(rows[i].run, join(fakes, f.variant, `seed-${f.seed}`));
    assert.is(rows[i].steps, 4);
    assert.is(rows[i].last_loss, f.losses[3]);
    assert.ok(Math.abs(rows[i].wall_s - wall(f)) < 1e-12, `${f.variant} ${f.seed}: ${rows[i].wall_s} s`);
  });
  // best.json where there is one, else the best top-1 of the evaluations
  assert.equal(rows[3].best, { metric: "top1", value: 0.71, step: 3 });
  assert.equal(rows[0].best, { metric: "top1", value: 0.2, step: 4 });
  // the older run: the cut last line is dropped; batch 4 from the checkpoint's schedule
  assert.equal([rows[4].steps, rows[4].total_steps, rows[4].last_loss, rows[4].wall_s], [2, 10, 2.5, 4 / 8 + 4 / 4]);
  const md = mdl("runs", "list", join(work, "old"));
  assert.match(md.stdout, /\| xclip \[tiny\] \| 7 \| 2\/10 \| 2\.5000 \| – \| 1\.5 s \|/);
});

test("runs compare: mean ± sample sd over seeds per variant, as computed here", () => {
  const r = mdl("runs", "compare", fakes, "--format", "json");
  assert.is(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Record<string, { mean: number; sd: number; n: number } | string | number[]>[];
  assert.equal(
    rows.map((x) => x.model),
    ["base", "temporal"],
  );
  for (const [i, v] of ["base", "temporal"].entries()) {
    const fs = FAKES.filter((f) => f.variant === v);
    const close = (got: unknown, want: number, what: string) =>
      assert.ok(Math.abs((got as number) - want) < 1e-12, `${v} ${what}: ${got} vs ${want}`);
    const row = rows[i] as Record<string, { mean: number; sd: number; n: number }>;
    close(row.final_loss.mean, mean(fs.map((f) => f.losses[3])), "final loss mean");
    close(row.final_loss.sd, sd(fs.map((f) => f.losses[3])), "final loss sd");
    close(row["eval/top1"].mean, mean(fs.map((f) => f.top1)), "top-1 mean");
    close(row["eval/top1"].sd, sd(fs.map((f) => f.top1)), "top-1 sd");
    close(row.s_per_step.mean, mean(fs.map((f) => wall(f) / 4)), "s/step");
    // a metric without a value (null: no pair right) is left out of its mean
    const dirs = fs.map((f) => f.direction).filter((d): d is number => d !== null);
    assert.is(row["eval/direction"].n, dirs.length);
    close(row["eval/direction"].mean, mean(dirs), "direction mean");
  }
  const md = mdl("runs", "compare", fakes);
  const t = FAKES.filter((f) => f.variant === "temporal");
  const pct = (xs: number[]) => `${(100 * mean(xs)).toFixed(1)} ± ${(100 * sd(xs)).toFixed(1)}`;
  assert.is(
    md.stdout.split("\n")[0],
    "| model | runs | steps | s / step | final loss | top-1 % | right direction within pair % |",
  );
  assert.is(
    md.stdout.split("\n")[3],
    `| temporal | 2 | 4 | ${mean(t.map((f) => wall(f) / 4)).toFixed(2)} | ${mean(t.map((f) => f.losses[3])).toFixed(3)} ± ${sd(t.map((f) => f.losses[3])).toFixed(3)} | ${pct(t.map((f) => f.top1))} | ${pct(t.map((f) => f.direction!))} |`,
  );
  assert.match(
    md.stdout.split("\n")[2],
    /^\| base \| 2 \| 4 \| [\d.]+ \| [\d.]+ ± [\d.]+ \| 25\.0 ± 7\.1 \| 50\.0 ± 0\.0 \|$/,
  );
  const csv = mdl("runs", "compare", fakes, "--format", "csv", "--columns", "runs,eval/top1");
  assert.is(
    csv.stdout,
    `model,runs_mean,runs_sd,eval/top1_mean,eval/top1_sd\nbase,2,0,${mean([0.2, 0.3])},${sd([0.2, 0.3])}\ntemporal,2,0,${mean([0.5, 0.7])},${sd([0.5, 0.7])}\n`,
  );
});

/** Tags balanced, one root `svg`, attributes quoted: enough of XML's well-formedness for what curvesSvg writes. */
function wellFormed(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    if (m[1]) assert.is(stack.pop(), m[2], `</${m[2]}> closes what was opened`);
    else if (!m[4]) stack.push(m[2]);
  }
  assert.equal(stack, [], "every tag closed");
  assert.ok(svg.startsWith("<svg "), "one root svg");
  assert.not.match(
    svg.replace(/<(\/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g, ""),
    /[<>]/,
    "no stray angle brackets",
  );
}

test("runs plot: an SVG per metric with axes, ticks, labels, legend and the seed spread as a band", () => {
  const out = join(work, "curves.svg");
  const r = mdl("runs", "plot", fakes, "-o", out, "--metric", "loss", "--metric", "eval/top1", "--smooth", "0");
  assert.is(r.status, 0, r.stderr);
  const svg = readFileSync(out, "utf8");
  wellFormed(svg);
  assert.is(svg.match(/class="axis x"/g)?.length, 2, "two charts, each with its axes");
  assert.ok(
    (svg.match(/class="tick x"/g)?.length ?? 0) >= 3 && (svg.match(/class="tick y"/g)?.length ?? 0) >= 3,
    "ticks on both axes",
  );
  assert.ok(svg.includes(">training loss<") && svg.includes(">step<"), "axis labels");
  assert.ok(svg.includes(">base<") && svg.includes(">temporal<"), "legend");
  assert.is(svg.match(/class="band"/g)?.length, 4, "a band per variant per chart");
  const none = join(work, "plain.svg");
  assert.is(mdl("runs", "plot", join(fakes, "base"), "-o", none, "--smooth", "0", "--band", "none").status, 0);
  assert.not.ok(readFileSync(none, "utf8").includes('class="band"'), "--band none");
});

test("bad input is a catalogued error with exit 2 and no stack trace", () => {
  const empty = join(work, "empty");
  mkdirSync(join(empty, "sub"), { recursive: true });
  let r = mdl("runs", "list", empty);
  assert.is(r.status, 2);
  assert.match(r.stderr, /^\S*empty: error MDL560: no runs here/);
  const bad = join(work, "bad", "r");
  mkdirSync(bad, { recursive: true });
  writeFileSync(join(bad, "metrics.jsonl"), '{"step":1,"loss":2}\nnot json\n{"step":2,"loss":1}\n');
  r = mdl("runs", "compare", join(work, "bad"));
  assert.is(r.status, 2);
  assert.match(
    r.stderr,
    /metrics\.jsonl:2: error MDL561: cannot read this run: this line of metrics\.jsonl is not a JSON record/,
  );
  r = mdl("runs", "plot", join(work, "nowhere"), "-o", join(work, "x.svg"));
  assert.is(r.status, 2);
  assert.match(r.stderr, /nowhere: error MDL561/);
  assert.not.match(r.stderr, /\n\s+at /);
  r = mdl("runs", "plot", fakes, "-o", join(work, "x.svg"), "--metric", "eval/top5");
  assert.is(r.status, 2);
  assert.match(
    r.stderr,
    /error MDL562: no run here logged `eval\/top5`; they have `loss`, `lr`, `examples_per_s`, `eval\/top1`, `eval\/direction`\n/,
  );
});

test("progress: a bar only when stderr and stdout are terminals; on a pipe sparse lines, never a carriage return", () => {
  const sink = (isTTY: boolean) => {
    let text = "";
    return {
      stream: { isTTY, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream,
      text: () => text,
    };
  };
  const pipe = sink(false);
  const p = createTaskProgress("auto", { label: "demo", total: 100, unit: "steps", stream: pipe.stream });
  for (let i = 0; i < 100; i++) p.tick();
  p.log("a result line");
  p.stop();
  assert.is(pipe.text(), "a result line\n", "quick work on a pipe: only what was logged");
  const every = sink(false);
  const q = createTaskProgress("auto", { label: "demo", total: 4, unit: "steps", stream: every.stream, every: 0 });
  for (let i = 0; i < 4; i++) q.tick();
  assert.match(every.text(), /^demo: 25% 1\/4 steps  ETA \S+\n/);
  assert.not.match(every.text(), /[\r\u2588\u2591]/);
  // a terminal on stderr while stdout goes to a file or a pipe (`mdl demo > log`): lines, no bar
  const redirected = sink(true);
  const saved = process.stdout.isTTY;
  try {
    process.stdout.isTTY = false;
    const r = createTaskProgress("auto", {
      label: "demo",
      total: 4,
      unit: "steps",
      stream: redirected.stream,
      every: 0,
    });
    r.tick(4);
    r.stop();
    assert.not.match(redirected.text(), /[\r\u2588\u2591]/);
    process.stdout.isTTY = true;
    const tty = sink(true);
    const b = createTaskProgress("auto", { label: "demo", total: 4, unit: "steps", stream: tty.stream });
    b.tick(4);
    b.log("above the bar");
    b.stop();
    assert.match(tty.text(), /\rdemo \|\u2588+\| 100% 4\/4 steps/);
    assert.match(tty.text(), /\r\x1b\[Kabove the bar\n/);
  } finally {
    process.stdout.isTTY = saved;
  }
});

test("the demo's table is what `mdl runs compare` prints over its runs", () => {
  const out = join(work, "demo");
  const r = mdl(
    "demo",
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
  );
  assert.is(r.status, 0, r.stderr);
  assert.not.match(r.stderr, /[\r\u2588\u2591]/, "no bar on a pipe");
  const table = readFileSync(join(out, "table.md"), "utf8");
  assert.ok(r.stdout.includes(table));
  const c = mdl("runs", "compare", join(out, "runs"));
  assert.is(c.status, 0, c.stderr);
  assert.is(c.stdout, table);
  assert.is(
    table.split("\n")[0],
    "| model | params | MMACs / video | s / step | top-1 % | right pair % | right direction within pair % |",
  );
  const l = mdl("runs", "list", join(out, "runs"));
  assert.is(l.stdout.trim().split("\n").length, 2 + 6, "six runs listed");
  assert.match(l.stdout, /\| X-CLIP \| 1 \| 3 \| \d\.\d{4} \| top1 [\d.]+% @ 3 \|/);
});

test.run();
