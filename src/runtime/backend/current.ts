/**
 * The engine the process runs on. Engines hold process-wide state (tfjs has one global backend), so the one
 * started by the CLI (or a test) is registered here rather than threaded through every call.
 */
import { fail, invariant } from "../../compiler/diagnostics/diagnostic.ts";
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import type { Engine, Program, Training } from "./engine.ts";

let current: Engine | undefined;

export function useEngine(e: Engine): void {
  current = e;
}

/** The current engine, or undefined before any started (for code that sets another one and puts it back). */
export function currentEngine(): Engine | undefined {
  return current;
}

export function engine(): Engine {
  invariant(current, "no engine started (initBackend first)");
  return current;
}

/** The engine's training half; an inference-only engine is a usage error. */
export function training(): Training {
  const e = engine();
  if (!e.training)
    fail(
      "backend_unavailable",
      undefined,
      e.name,
      "it has no autodiff of its own; it trains through the compiler's training step",
    );
  return e.training;
}

/** The IR as a synchronous program; an engine that runs only asynchronously is a usage error here. */
export function lowerSync(ir: ModelIR): Program {
  const e = engine();
  if (!e.lower)
    fail(
      "backend_unavailable",
      undefined,
      e.name,
      "it runs programs asynchronously only; this command needs a tfjs backend",
    );
  return e.lower(ir);
}
