/**
 * SIGINT and SIGTERM during training: the first asks the loop to stop after the current step (and after a
 * save under way, which Node cannot interrupt: its signal handlers run between JavaScript tasks, and a
 * checkpoint's files, renames and pointer are written in one synchronous stretch). A second signal exits at
 * once; the last complete checkpoint stays the latest, as it does after a SIGKILL.
 */
import { constants } from "node:os";
import { MdlError, diag, type Diagnostic } from "../../compiler/diagnostics/diagnostic.ts";
import { renderDiagnostic } from "../../compiler/diagnostics/render.ts";

export type StopSignal = "SIGINT" | "SIGTERM";
const SIGNALS: StopSignal[] = ["SIGINT", "SIGTERM"];

/** The shell's convention for a process ended by a signal: 128 + its number (130, 143). */
export const exitCodeOf = (s: StopSignal) => 128 + constants.signals[s];

/** A run stopped by a signal after saving; the CLI prints it as a note and exits with `exitCode`. */
export class Interrupted extends MdlError {
  constructor(
    diagnostic: Diagnostic,
    readonly exitCode: number,
  ) {
    super(diagnostic);
  }
}

export interface StopWatch {
  /** The first signal received, if any. */
  readonly signal: StopSignal | undefined;
  /** Stop listening (a run that ended normally); after a signal the watch stays, so a second one still exits at once. */
  close(): void;
}

/**
 * Listen for SIGINT and SIGTERM. `atOnce` runs on the second signal before the process exits with that signal's
 * code; it says what is kept (the diagnostic printed) and may clean up.
 */
export function watchStopSignals(atOnce: (s: StopSignal) => Diagnostic): StopWatch {
  let first: StopSignal | undefined;
  const handler = (s: StopSignal) => {
    if (!first) {
      first = s;
      return;
    }
    let d: Diagnostic;
    try {
      d = atOnce(s);
    } catch {
      d = diag("interrupted_now", undefined, s, undefined);
    }
    process.stderr.write(renderDiagnostic(d) + "\n");
    process.exit(exitCodeOf(s));
  };
  for (const s of SIGNALS) process.on(s, handler);
  return {
    get signal() {
      return first;
    },
    close() {
      if (!first) for (const s of SIGNALS) process.off(s, handler);
    },
  };
}
