import type { Span } from "../source.ts";
import { codes, type CodeName, type Severity } from "./codes.ts";

export type { Severity };

/**
 * The one error type of mdl. A diagnostic names a file (and, when it has one, a span in it).
 * Compiler phases return diagnostics; runtime code throws them wrapped in MdlError.
 */
export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  file?: string;
  span?: Span;
  /** Secondary places ("first defined here") and remarks. */
  notes?: { message: string; span?: Span }[];
  /** A "did you mean" or a remedy, printed after the excerpt. */
  hint?: string;
  /** Decidable only with concrete sizes: a block checked on its own leaves it to its instances. */
  pending?: true;
}

type TextArgs<K extends CodeName> = (typeof codes)[K]["text"] extends (...a: infer A) => string ? A : never;

/** Build a diagnostic from the catalogue; `where` is a span, or a bare file name when there is no span. */
export function diag<K extends CodeName>(name: K, where: Span | string | undefined, ...args: TextArgs<K>): Diagnostic {
  const entry = codes[name];
  const text = (entry.text as (...a: unknown[]) => string)(...args);
  const d: Diagnostic = { code: entry.code, severity: entry.severity, message: text };
  if (typeof where === "string") d.file = where;
  else if (where) {
    d.file = where.file;
    d.span = where;
  }
  return d;
}

export function withHint(d: Diagnostic, hint: string | undefined): Diagnostic {
  return hint ? { ...d, hint } : d;
}

export function withNote(d: Diagnostic, message: string, span?: Span): Diagnostic {
  return { ...d, notes: [...(d.notes ?? []), { message, span }] };
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === "error");
}

/** A user-facing failure outside the compiler (weights, data, CLI input). The CLI prints it and exits 2. */
export class MdlError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(`${diagnostic.file ? diagnostic.file + ": " : ""}${diagnostic.code}: ${diagnostic.message}`);
    this.name = "MdlError";
  }
}

/** Throw a catalogued user error (runtime side only; compiler phases return diagnostics instead). */
export function fail<K extends CodeName>(name: K, where: Span | string | undefined, ...args: TextArgs<K>): never {
  throw new MdlError(diag(name, where, ...args));
}

/** Internal bugs, never user mistakes. */
export function invariant(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`mdl internal error: ${message}`);
}
