/**
 * The engine the process runs on. Engines hold process-wide state (tfjs has one global backend), so the one
 * started by the CLI (or a test) is registered here rather than threaded through every call.
 */
import { fail, invariant } from "../../compiler/diagnostics/diagnostic.ts";
import type { Engine, Training } from "./engine.ts";

let current: Engine | undefined;

export function useEngine(e: Engine): void {
  current = e;
}

export function engine(): Engine {
  invariant(current, "no engine started (initBackend first)");
  return current;
}

/** The engine's training half; an inference-only engine is a usage error. */
export function training(): Training {
  const e = engine();
  if (!e.training) fail("backend_unavailable", undefined, e.name, "it runs inference only; training needs a tfjs backend");
  return e.training;
}
