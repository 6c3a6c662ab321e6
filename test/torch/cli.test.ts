/** `mdl export --format torch` without running Python: the command, the file's shape, the recompute hook. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateTorch } from "../../src/runtime/torch/generate.ts";
import { STD_SOURCE } from "../../src/compiler/std/std-source.ts";
import { CLI } from "../run/helpers.ts";
import { compileModel } from "./helpers.ts";

const tmp = mkdtempSync(join(tmpdir(), "mdl-export-cli-"));
const mdl = (...args: string[]) =>
  spawnSync(process.execPath, [...CLI, ...args], { encoding: "utf8", timeout: 120_000 });

test("mdl export --format torch writes model.py, train.py and the class texts", () => {
  const out = join(tmp, "clip_tiny.py");
  const r = mdl(
    "export",
    "models/variants/xclip-no-prompts.mdl",
    "--preset",
    "tiny",
    "--format",
    "torch",
    "-o",
    out,
    "--train",
    "--labels",
    "README.md",
  );
  // a labels file that is not one is a located input error, not a crash
  assert.is(r.status, 2, r.stderr);
  const ok = mdl(
    "export",
    "models/variants/xclip-no-prompts.mdl",
    "--preset",
    "tiny",
    "--format",
    "torch",
    "-o",
    out,
    "--train",
  );
  assert.is(ok.status, 0, ok.stderr);
  const py = readFileSync(out, "utf8");
  assert.match(py, "class XClipNoPrompts(Block):");
  assert.match(py, "def forward(self, video, text):");
  assert.match(py, 'return {"logits": ');
  assert.match(py, "def __init__(self, in_features, out_features):"); // Linear's instances share one class
  assert.not.match(py, "prompts_generator");
  assert.match(readFileSync(join(tmp, "train.py"), "utf8"), "import clip_tiny as exported");
});

test("an unknown format is a usage error naming the known ones", () => {
  const r = mdl("export", "models/clip.mdl", "--format", "tensorflow", "-o", join(tmp, "x"));
  assert.is(r.status, 2);
  assert.match(r.stderr, "unknown format `tensorflow`; one of onnx, torch");
});

test("a module flagged `recompute` is called through torch.utils.checkpoint", () => {
  const ir = compileModel("models/clip.mdl", { preset: "tiny" });
  const plain = generateTorch(ir, { source: () => STD_SOURCE });
  assert.not.match(plain, "checkpoint_if_training(self,");
  const flagged = {
    ...ir,
    modules: ir.modules.map((m) => (m.block === "ResidualAttentionBlock" ? { ...m, recompute: true } : m)),
  };
  const py = generateTorch(flagged, { source: () => undefined });
  assert.match(py, "h1 = checkpoint_if_training(self, self[0], x)");
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
