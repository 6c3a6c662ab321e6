/**
 * Parameter selection by path pattern (--freeze, --train-only, --lr-group, and a model's `train` section,
 * which every compile of X-CLIP checks): this tree's selectParams against a baseline tree's (a checkout of
 * the commit to compare), both imported into this process, alternating, CPU time. Both must select the same
 * keys. X-CLIP at its default preset (B/32).
 *   git archive <commit> | tar -x -C /tmp/base && node --import tsx bench/select.ts /tmp/base
 */
import { resolve } from "node:path";
import { compile } from "../src/compiler/compile.ts";
import { fsHost } from "../src/cli/compile-args.ts";
import { selectParams } from "../src/compiler/4-ir/select.ts";

const base = process.argv[2];
if (!base) throw new Error("usage: bench/select.ts BASELINE_TREE");
const { selectParams: baseline } = (await import(resolve(base, "src/compiler/4-ir/select.ts"))) as {
  selectParams: typeof selectParams;
};

const ir = compile("models/xclip.mdl", fsHost, {}).value!;
const PATTERNS = [
  "encode_text",
  "visual.**",
  "**.message_*",
  "visual.transformer.resblocks.*.attn",
  "prompts_*",
  "mit",
  ...(ir.train?.lr ?? []).map((g) => g.pattern),
];
for (const p of PATTERNS)
  if ([...baseline(ir, p)].sort().join() !== [...selectParams(ir, p)].sort().join())
    throw new Error(`${p}: the two selections differ`);

const ROUNDS = 20;
const cpu = (sel: typeof selectParams): number => {
  const c = process.cpuUsage();
  for (let r = 0; r < ROUNDS; r++) for (const p of PATTERNS) sel(ir, p);
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
};
for (let i = 0; i < 3; i++) (cpu(baseline), cpu(selectParams));
const old: number[] = [];
const now: number[] = [];
for (let i = 0; i < 15; i++) {
  old.push(cpu(baseline));
  now.push(cpu(selectParams));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const per = (ms: number) => (ms / (ROUNDS * PATTERNS.length)).toFixed(3);
console.log(
  `X-CLIP (default preset): ${ir.modules.length} modules, ${ir.params.length} parameters, ${PATTERNS.length} patterns`,
);
console.log(
  `ms per pattern (median CPU of 15 rounds of ${ROUNDS}): baseline ${per(median(old))}, this tree ${per(median(now))}; baseline / this ${(median(old) / median(now)).toFixed(1)}x`,
);
