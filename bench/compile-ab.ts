/**
 * A/B compile speed: warm in-process compiles of models/xclip.mdl from the source tree given as the
 * argument (a checkout of the commit to compare, e.g. from `git archive`), CPU ms of this process
 * (the host is shared), median and best of 20 after 3 warm-ups. Run it alternately on two trees.
 *   node --import tsx bench/compile-ab.ts /path/to/tree
 */
import { readFileSync } from "node:fs";
const root = process.argv[2];
const { compile } = await import(`${root}/src/compiler/compile.ts`);
const { memoryHost } = await import(`${root}/src/compiler/2-resolve/host.ts`);
const host = memoryHost({
  "models/xclip.mdl": readFileSync(`${root}/models/xclip.mdl`, "utf8"),
  "models/clip.mdl": readFileSync(`${root}/models/clip.mdl`, "utf8"),
});
const once = () => {
  const r = compile("models/xclip.mdl", host);
  if (!r.value) throw new Error("no IR");
};
const t0 = performance.now();
once();
const first = performance.now() - t0;
for (let i = 0; i < 3; i++) once();
const xs: number[] = [];
for (let i = 0; i < 20; i++) {
  const c = process.cpuUsage();
  once();
  const d = process.cpuUsage(c);
  xs.push((d.user + d.system) / 1000);
}
xs.sort((a, b) => a - b);
console.log(JSON.stringify({ first, median: xs[10], min: xs[0] }));
