/** A split ready for training or evaluation: loaded, every entry decoded once, optionally cut to K per class. */
import type { Diagnostic } from "../../compiler/diagnostics/diagnostic.ts";
import { loadDataset, validateDataset, type DatasetEntry } from "../data/dataset.ts";

export interface SplitData {
  classes: string[];
  entries: DatasetEntry[];
  /** Bad entries (file, line and reason); the caller skips them or stops. */
  problems: Diagnostic[];
  sources: { file: string; text: string }[];
}

export async function loadSplit(dir: string, split: string, opts: { perClass?: number } = {}): Promise<SplitData> {
  const ds = loadDataset(dir, split);
  const { entries, problems } = await validateDataset(ds);
  return {
    classes: ds.classes,
    entries: opts.perClass ? firstPerClass(entries, opts.perClass) : entries,
    problems,
    sources: ds.sources,
  };
}

/** Few-shot subsets: the first K good entries of each class in list order (the same K for every seed). */
export function firstPerClass(entries: readonly DatasetEntry[], k: number): DatasetEntry[] {
  const seen = new Map<number, number>();
  return entries.filter((e) => {
    const n = seen.get(e.label) ?? 0;
    seen.set(e.label, n + 1);
    return n < k;
  });
}
