/** What `mdl export` hands a format's writer (export.ts picks the writer; export-onnx.ts, export-torch.ts write). */
import type { ModelIR } from "../compiler/0-core/schema.ts";
import type { Checkpoint } from "../runtime/weights/checkpoint.ts";
import type { ModelFlags } from "./compile-args.ts";
import type { StepFlags } from "./training.ts";

export interface ExportFlags extends ModelFlags, StepFlags {
  format: string;
  out: string;
  weights?: string;
  strict?: boolean;
  seed?: string;
  train?: boolean;
  labels?: string;
}

export interface ExportJob {
  ir: ModelIR;
  checkpoint?: Checkpoint;
  flags: ExportFlags;
  argv: string[];
}
