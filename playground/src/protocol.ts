/** Messages between the page and the compiler worker (structured-clone friendly: no classes, no functions). */
import type { CompileOptions } from "../../src/compiler/compile.ts";
import type { ModelIR } from "../../src/compiler/0-core/schema.ts";

export interface CheckOptions {
  entry: string;
  preset?: string;
  set?: [string, string][];
}

export interface ShownDiagnostic {
  code: string;
  severity: "error" | "warning" | "note";
  message: string;
  hint?: string;
  file?: string;
  start?: number;
  end?: number;
  /** `mdl check`'s text: `file:line:col: severity CODE: message` with the excerpt and caret. */
  rendered: string;
}

export interface SummaryRow {
  depth: number;
  name: string;
  block: string;
  output: string;
  params: number;
  macs: number;
}

export interface Summary {
  model: string;
  preset?: string;
  hyper: string[];
  symbols: string;
  rows: SummaryRow[];
  total: { params: number; macs: number };
}

export interface Checked {
  ok: boolean;
  ms: number;
  diagnostics: ShownDiagnostic[];
  presets: string[];
  summary?: Summary;
  /** `mdl viz`'s DOT, when asked for. */
  dot?: string;
}

/** What the Run tab compiled with: the header's values that agree with the checkpoint, and those that did not. */
export interface RunConfig {
  preset?: string;
  set: [string, string][];
  dropped: { what: string; why: string }[];
}

export type Request =
  | { kind: "edit"; file: string; text: string }
  | { kind: "check"; opts: CheckOptions; dot: boolean }
  | { kind: "entries" }
  | { kind: "diff"; a: string; b: string }
  | {
      kind: "ir";
      opts: CheckOptions;
      weights: NonNullable<CompileOptions["weights"]>;
      inputs: NonNullable<CompileOptions["inputs"]>;
    };

export interface Replies {
  edit: null;
  check: Checked;
  entries: { files: string[]; models: string[] };
  diff: string;
  ir: { ir?: ModelIR; errors: string; config: RunConfig };
}
