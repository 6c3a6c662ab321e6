/** What one fuzz case came to. A crash is an exception that is not a catalogued MdlError. */
import { MdlError } from "../../src/compiler/diagnostics/diagnostic.ts";

export type Outcome = "accepted" | "refused";

/** Run a case: its outcome, or the crash it caused (an uncaught, uncatalogued exception). */
export async function settle(run: () => Outcome | Promise<Outcome>): Promise<Outcome | { crash: string }> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof MdlError) return "refused";
    const e = err as Error;
    return {
      crash: `${e?.name ?? "throw"}: ${String(e?.message ?? err).slice(0, 300)} ${(e?.stack ?? "")
        .split("\n")
        .slice(1, 4)
        .map((l) => l.trim())
        .join(" | ")}`,
    };
  }
}
