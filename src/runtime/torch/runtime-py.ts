/**
 * The Python every exported model carries (py/runtime.py): parameter creation with mdl's inits, the `use` member
 * (parameters at the parent's level of the state dict), gradient checkpointing, and checkpoint loading with
 * mdl's normalisation. The model file holds what follows runtime.py's EMBED line; the imports and HYPER above
 * it are the model file's own, and are there only so that runtime.py compiles and lints alone.
 */
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { RUNTIME_PY } from "./py/py-source.ts";

export const EMBED_LINE = "# ---- EMBED: the model file holds what follows ----\n";

/** The part of a .py file after its EMBED line, without the blank lines that begin it. */
export function embeddedPart(text: string, file: string): string {
  const at = text.indexOf(EMBED_LINE);
  invariant(at >= 0 && text.indexOf(EMBED_LINE, at + 1) < 0, `${file} must have one line \`${EMBED_LINE.trim()}\``);
  return text.slice(at + EMBED_LINE.length).replace(/^\n+/, "");
}

export const RUNTIME = embeddedPart(RUNTIME_PY, "runtime.py");
