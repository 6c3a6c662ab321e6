/** MDL557 notes for clips shorter than the model's frames, as eval and train meet them: the first five, then a count. */
import { diag, type Diagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { printDiagnostics } from "./io.ts";

const SHOWN = 5;

export function clipNotices(): {
  notice: (d: Diagnostic) => void;
  short: (path: string, count: number, frames: number) => void;
  flush: () => void;
} {
  let seen = 0;
  const notice = (d: Diagnostic) => {
    if (++seen <= SHOWN) printDiagnostics([d]);
  };
  return {
    notice,
    /** A training clip: its frames are sampled afresh each step, so the repeats vary. */
    short: (path, count, frames) => {
      if (count < frames)
        notice(diag("clip_padded", path, count, frames, "training samples a frame per segment, so some repeat"));
    },
    flush: () => {
      if (seen > SHOWN)
        process.stderr.write(
          `note: ${seen - SHOWN} more clip${seen - SHOWN === 1 ? "" : "s"} shorter than the model's frames (MDL557), not shown\n`,
        );
    },
  };
}
