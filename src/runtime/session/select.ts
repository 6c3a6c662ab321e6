/**
 * Which parameters a training run updates, and at what rate, chosen by path pattern (compiler/paths/pattern.ts):
 * --freeze and --train-only, and the learning-rate groups a model declares in its `train` section or the
 * command line adds with --lr-group.
 */
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import { diag, fail, MdlError, withHint } from "../../compiler/diagnostics/diagnostic.ts";
import { pathHint, selectParams } from "../../compiler/4-ir/select.ts";
import { isWildcard, parsePattern } from "../../compiler/paths/pattern.ts";

/** Parameter keys selected by any of the patterns (4-ir/select.ts); a pattern that selects nothing is an error naming it. */
export function paramsUnder(ir: ModelIR, patterns: readonly string[], flag = "--freeze"): Set<string> {
  const out = new Set<string>();
  for (const pattern of patterns) {
    const parsed = parsePattern(pattern);
    if ("error" in parsed) fail("bad_path_pattern", ir.file, flag, pattern, parsed.error.reason);
    const got = selectParams(ir, parsed.pattern);
    if (!got.size) {
      const d = isWildcard(pattern)
        ? diag("pattern_matches_nothing", ir.file, flag, pattern, ir.model)
        : diag("unknown_member", ir.file, pattern, ir.model);
      throw new MdlError(withHint(d, pathHint(ir, pattern)));
    }
    for (const p of got) out.add(p);
  }
  return out;
}

export interface Selection {
  freeze?: readonly string[];
  /** When given, only what these select trains. */
  trainOnly?: readonly string[];
}

/** The frozen parameter keys; at least one parameter must stay trainable. */
export function frozenParams(ir: ModelIR, s: Selection): Set<string> {
  const frozen = paramsUnder(ir, s.freeze ?? [], "--freeze");
  if (s.trainOnly?.length) {
    const keep = paramsUnder(ir, s.trainOnly, "--train-only");
    for (const p of ir.params) if (!keep.has(p.path)) frozen.add(p.path);
  }
  if (ir.params.every((p) => frozen.has(p.path))) {
    const how = !ir.params.length
      ? "it has no parameters"
      : s.trainOnly?.length && s.freeze?.length
        ? `--freeze ${s.freeze.join(", ")} covers everything --train-only ${s.trainOnly.join(", ")} selects`
        : `--freeze ${(s.freeze ?? []).join(", ")} covers all ${ir.params.length} parameters`;
    fail("nothing_trainable", ir.file, ir.model, how);
  }
  return frozen;
}

export interface LrGroup {
  pattern: string;
  scale: number;
}

/**
 * Each parameter's learning-rate multiplier: the model's declared groups (which may name modules a variant
 * removed: they select nothing), then the command line's (each must select something); a later group wins.
 * Keys absent from the result keep 1.
 */
export function modelLrScales(ir: ModelIR, cli: readonly LrGroup[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const g of ir.train?.lr ?? []) for (const p of selectParams(ir, g.pattern)) out.set(p, g.scale);
  for (const g of cli) for (const p of paramsUnder(ir, [g.pattern], "--lr-group")) out.set(p, g.scale);
  return out;
}

/** `PATTERN=SCALE` from --lr-group. */
export function parseLrGroup(text: string, file?: string): LrGroup {
  const i = text.lastIndexOf("=");
  const scale =
    i > 0
      ? Number(
          text
            .slice(i + 1)
            .trim()
            .replace(/^x/, ""),
        )
      : NaN;
  if (!(scale > 0) || !Number.isFinite(scale)) fail("bad_lr_group", file, text);
  return { pattern: text.slice(0, i).trim(), scale };
}
