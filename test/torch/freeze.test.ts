/**
 * The exported train.py takes --freeze and --train-only as mdl's path patterns (compiler/paths/pattern.ts): for each case, the
 * parameters it freezes in PyTorch are exactly those `mdl train --freeze` selects (session/select.ts) in the
 * IR — `*`, `**`, a `*` inside a segment, several flags, and the `use`d text encoder whose keys sit at the top.
 * Malformed and empty patterns, and freezing everything, end the script with the reason, as mdl refuses them.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportTorch } from "../../src/cli/export-torch.ts";
import { frozenParams, paramsUnder } from "../../src/runtime/session/select.ts";
import { needs, torchMissing, TORCH_PYTHON } from "../helpers/requires.ts";
import { compileModel } from "./helpers.ts";

const it = needs(test, torchMissing());
const tmp = mkdtempSync(join(tmpdir(), "mdl-torch-freeze-"));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const CASES: string[][] = [
  ["encode_text"], // a `use`d module: its keys (transformer.*, ln_final.*, ...) are not under `encode_text.`
  ["encode_text.**.mlp"], // `**` under a `use`d module
  ["visual.transformer.resblocks.*.attn"], // `*`: one segment; `attn` and not `message_attn`
  ["**.message_*"], // a `*` inside a segment, at any depth
  ["prompts_*"], // a glob over modules and parameter keys at the top
  ["*.resblocks.0"], // mit.resblocks.0 and the text tower's transformer.resblocks.0, not visual's (deeper)
  ["**.ln_*.bias"], // a parameter by key pattern
  ["visual.**", "logit_scale", "mit"], // several flags add up
];

/** train.py's parse_args and frozen_keys on the exported model, for each case, in one Python process. */
function pythonFrozen(exp: string, cases: string[][]): { status: number | null; stdout: string; stderr: string } {
  const file = join(tmp, "cases.json");
  writeFileSync(file, JSON.stringify(cases));
  const script = [
    "import json, sys",
    `sys.path.insert(0, ${JSON.stringify(exp)})`,
    "import train",
    "model = train.exported.build()",
    "out = []",
    "for specs in json.load(open(sys.argv[1])):",
    // a spec "only:PATTERN" is --train-only PATTERN
    "    a = train.parse_args(['--data', 'd', '--out', 'o'] + [x for p in specs for x in (('--train-only', p[5:]) if p.startswith('only:') else ('--freeze', p))])",
    "    out.append(sorted(train.frozen_keys(model, a.freeze, a.train_only)))",
    "print(json.dumps(out))",
  ].join("\n");
  return spawnSync(TORCH_PYTHON, ["-c", script, file], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, OMP_NUM_THREADS: "1" },
  });
}

it("train.py --freeze PATTERN freezes exactly the parameters mdl train --freeze PATTERN does", () => {
  const ir = compileModel("models/xclip.mdl", { preset: "tiny" });
  const exp = join(tmp, "export");
  exportTorch(ir, { format: "torch", out: join(exp, "xclip_tiny.py"), train: true }, []);
  const r = pythonFrozen(exp, CASES);
  assert.is(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as string[][];
  assert.is(got.length, CASES.length);
  CASES.forEach((specs, i) => {
    const want = [...paramsUnder(ir, specs)].sort();
    // each case selects something and not everything, so an all-or-nothing matcher cannot pass
    assert.ok(want.length > 0 && want.length < ir.params.length, `${specs}: ${want.length} of ${ir.params.length}`);
    assert.equal(got[i], want, `--freeze ${specs.join(" --freeze ")}`);
  });
  // the `use`d text encoder's keys are outside its path: only the module tree puts them under it
  assert.ok(got[0].includes("token_embedding.weight") && got[0].includes("ln_final.bias"), got[0].join(" "));
});

it("train.py --freeze: a malformed pattern, one that selects nothing, and freezing everything end the script with the reason", () => {
  const exp = join(tmp, "export");
  const n = compileModel("models/xclip.mdl", { preset: "tiny" }).params.length;
  for (const [spec, why] of [
    ["visual..ln_pre", "--freeze visual..ln_pre: segment 2 is empty"],
    ["visual.a**", "--freeze visual.a**: a** is not a path segment (** must be a whole segment)"],
    ["**.**.attn", "--freeze **.**.attn: **.** repeats **"],
    ["**.nothing_*", "--freeze **.nothing_*: no parameter of XCLIP is selected by it"],
    // as mdl's MDL452, before torch would refuse an optimizer without parameters
    ["**", `nothing of XCLIP is left to train: --freeze ** covers all ${n} parameters`],
    ["visual,mit,*", `nothing of XCLIP is left to train: --freeze visual, mit, * covers all ${n} parameters`],
  ]) {
    const r = pythonFrozen(exp, [spec.split(",")]);
    assert.is(r.status, 1, `${spec}: ${r.stderr}`);
    assert.is(r.stderr.trim(), why);
  }
});

const TRAIN_ONLY: string[][] = [
  ["only:mit"], // X-CLIP's temporal transformer alone
  ["only:mit", "only:prompts_*", "only:**.message_*"], // what X-CLIP adds to CLIP, as in the README
  ["only:encode_text"], // a `use`d module: its top-level keys are what trains
  ["visual.**", "only:visual", "only:mit"], // --freeze wins over --train-only: mit alone trains
];

it("train.py --train-only PATTERN trains exactly the parameters mdl train --train-only PATTERN does", () => {
  const ir = compileModel("models/xclip.mdl", { preset: "tiny" });
  const exp = join(tmp, "export-only");
  exportTorch(ir, { format: "torch", out: join(exp, "xclip_tiny.py"), train: true }, []);
  const r = pythonFrozen(exp, TRAIN_ONLY);
  assert.is(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as string[][];
  TRAIN_ONLY.forEach((specs, i) => {
    const freeze = specs.filter((x) => !x.startsWith("only:"));
    const only = specs.filter((x) => x.startsWith("only:")).map((x) => x.slice(5));
    const want = [...frozenParams(ir, { freeze, trainOnly: only })].sort();
    assert.ok(want.length > 0 && want.length < ir.params.length, `${specs}: ${want.length} of ${ir.params.length}`);
    assert.equal(got[i], want, specs.join(" "));
  });
  const trained = ir.params.map((p) => p.path).filter((k) => !got[0].includes(k));
  assert.ok(trained.length > 0 && trained.every((k) => k.startsWith("mit.")), trained.join(" "));
});

it("train.py --train-only: a pattern that selects nothing, and --freeze covering it all, end the script with the reason", () => {
  const exp = join(tmp, "export-only");
  for (const [specs, why] of [
    [["only:**.nothing_*"], "--train-only **.nothing_*: no parameter of XCLIP is selected by it"],
    [["mit", "only:mit"], "nothing of XCLIP is left to train: --freeze mit covers everything --train-only mit selects"],
  ] as const) {
    const r = pythonFrozen(exp, [[...specs]]);
    assert.is(r.status, 1, `${specs}: ${r.stderr}`);
    assert.is(r.stderr.trim(), why);
  }
});

test.run();
