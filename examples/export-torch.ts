/**
 * A variant outgrows one machine: write it in .mdl, export it to PyTorch, train it with torchrun, and
 * evaluate the result back in mdl.
 *
 *   npx tsx examples/export-torch.ts [steps] [processes]
 *
 * Needs python3 with torch (Debian: apt-get install python3-torch; MDL_TORCH_PYTHON names another python).
 * Every step is a command you can run by hand; they are printed as they run. On GPUs torchrun picks nccl,
 * on CPUs gloo, and the batch is split over the processes (the updates do not depend on how many).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { runCommand } from "../src/cli/io.ts";
import { fail, MdlError } from "../src/compiler/diagnostics/diagnostic.ts";

const steps = process.argv[2] ?? "20";
const procs = process.argv[3] ?? "2";
const PY = process.env.MDL_TORCH_PYTHON ?? "/usr/bin/python3";
const work = mkdtempSync(join(tmpdir(), "mdl-torch-journey-"));

function run(cmd: string, args: string[], cwd?: string): string {
  console.log(
    `$ ${[cmd === process.execPath ? "mdl" : cmd, ...args.slice(cmd === process.execPath ? 3 : 0)].join(" ")}`,
  );
  const r = spawnSync(cmd, args, { encoding: "utf8", cwd, env: { ...process.env, OMP_NUM_THREADS: "1" } });
  if (r.status !== 0) {
    // what the step printed is its own report (an mdl diagnostic, a Python error); the example stops with exit 2
    process.stderr.write(
      `${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}\nthe step above failed (exit ${r.status ?? r.signal})\n`,
    );
    throw new MdlError({ code: "MDL000", severity: "error", message: "reported above" });
  }
  return r.stdout;
}
const mdl = (...args: string[]) => run(process.execPath, ["--import", "tsx", resolve("src/cli/main.ts"), ...args]);

// runCommand prints a catalogued error (MDL code, file, message) and exits 2, as every mdl command does
await runCommand(() => {
  try {
    if (spawnSync(PY, ["-c", "import torch"]).status !== 0)
      fail(
        "not_found",
        PY,
        "a Python that imports torch (Debian: apt-get install python3-torch; MDL_TORCH_PYTHON names another)",
      );
    // 1. The variant: X-CLIP with a deeper temporal transformer and no prompt generator, a few declarative lines.
    const variant = join(work, "xclip-deep-mit.mdl");
    writeFileSync(
      variant,
      `import { XCLIP } from "${relative(work, resolve("models/xclip.mdl"))}"

model XClipDeepMit extends XCLIP {
  set mit_layers = 2
  remove prompts_generator
  remove project_patches
}
`,
    );
    // 2. A small data set in the official list layout (labels.csv, train.txt, frame folders).
    const data = join(work, "data");
    mdl("data", "synth", "--out", data, "--videos-per-class", "2", "--eval-per-class", "1", "--frames", "4");
    // 3. The PyTorch program: model.py (a class per block), train.py (mdl train's recipe), texts.json (the class names' token ids).
    const out = join(work, "torch");
    mdl(
      "export",
      variant,
      "--preset",
      "tiny",
      "--set",
      "frames=4",
      "--format",
      "torch",
      "-o",
      join(out, "model.py"),
      "--train",
      "--labels",
      join(data, "labels.csv"),
    );
    // 4. Train with torchrun. (--redirects 1 --tee 1: Debian's torch 1.13 on Python 3.11 cannot parse torchrun's default.)
    const runDir = join(work, "run");
    const log = run(
      PY,
      [
        "-m",
        "torch.distributed.run",
        "--redirects",
        "1",
        "--tee",
        "1",
        "--nproc_per_node",
        procs,
        "train.py",
        "--data",
        data,
        "--out",
        runDir,
        "--steps",
        steps,
        "--batch",
        "4",
        "--freeze",
        "encode_text",
        "--lr",
        "5e-4",
      ],
      out,
    );
    console.log(
      log
        .trim()
        .split("\n")
        .filter((l) => l.includes("step"))
        .slice(-3)
        .join("\n"),
    );
    // 5. Back in mdl: the checkpoint is the only flag; hyperparameters come from its shapes.
    const weights = join(runDir, `ckpt-${steps}`, "weights.safetensors");
    const evaluation = JSON.parse(
      mdl("eval", variant, "--weights", weights, "--data", data, "--split", "test", "--json"),
    );
    console.log(
      `evaluated in mdl: ${evaluation.n} test videos, top-1 ${(100 * evaluation.top1).toFixed(1)}%, top-5 ${(100 * evaluation.top5).toFixed(1)}%`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
