/**
 * The hyperparameters the Run tab compiles with, in the worker. The header's preset and --set values are
 * the summary's; a checkpoint and its inputs fix most hyperparameters themselves, as `mdl predict MODEL
 * --weights W` binds them. So each header value is applied only where it agrees with them (else the run
 * would stop on MDL314, as the bundled fixture did under `--preset B/16`), and the tab says which were
 * applied and which were not, and why.
 */
import { hasErrors } from "../../src/compiler/diagnostics/diagnostic.ts";
import type { CompileOptions, Compiled } from "../../src/compiler/compile.ts";
import type { CheckOptions, RunConfig } from "./protocol.ts";
import { compileFile } from "./workspace.ts";

type Bindings = Pick<CompileOptions, "weights" | "inputs">;

const fits = (c: Compiled) => !!c.value && !hasErrors(c.diagnostics);
const firstError = (c: Compiled) => c.diagnostics.find((d) => d.severity === "error")?.message ?? "it does not compile";

/** The compile for running: every header value that fits, the others dropped with the first error each gave. */
export function compileForCheckpoint(
  opts: CheckOptions,
  bindings: Bindings,
): { compiled: Compiled; config: RunConfig } {
  const { entry, preset, set = [] } = opts;
  const attempt = (p: string | undefined, s: [string, string][]) =>
    compileFile(entry, { ...bindings, preset: p, set: s });
  const all = attempt(preset, set);
  if (fits(all) || (!preset && !set.length)) return { compiled: all, config: { preset, set, dropped: [] } };
  let best = attempt(undefined, []);
  // without any header value it does not fit either: the header's own errors say more
  if (!fits(best)) return { compiled: all, config: { preset, set, dropped: [] } };
  const config: RunConfig = { set: [], dropped: [] };
  if (preset) {
    const c = attempt(preset, []);
    if (fits(c)) [best, config.preset] = [c, preset];
    else config.dropped.push({ what: `preset ${preset}`, why: firstError(c) });
  }
  for (const s of set) {
    const c = attempt(config.preset, [...config.set, s]);
    if (fits(c)) {
      best = c;
      config.set.push(s);
    } else config.dropped.push({ what: `--set ${s[0]}=${s[1]}`, why: firstError(c) });
  }
  return { compiled: best, config };
}
