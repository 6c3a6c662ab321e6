/**
 * The files of a run folder that checkpointing makes and removes (ckpt-N, latest.json, leftovers of interrupted
 * saves, the metrics log), without the records that only grow beside them (metrics.csv, the TensorBoard event
 * file, config.json, sources/, best/): what tests assert when they check that only the newest checkpoints remain.
 */
import { readdirSync } from "node:fs";

const RECORDS = /^(metrics\.csv|events\.out\.tfevents\..*|config\.json|sources|best)$/;

export const checkpointFiles = (run: string): string[] =>
  readdirSync(run)
    .filter((f) => !RECORDS.test(f))
    .sort();
