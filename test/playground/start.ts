/** The playground in headless Chromium for a test file, or why it cannot open (counted as skips by `needs`). */
import { CHROMIUM, chromiumMissing } from "../helpers/requires.ts";
import { openPlayground, type Session } from "../../playground/driver.ts";

export async function startPlayground(): Promise<{ session: Session | undefined; missing: string | undefined }> {
  if (chromiumMissing()) return { session: undefined, missing: chromiumMissing() };
  try {
    return { session: await openPlayground(CHROMIUM), missing: undefined };
  } catch (e) {
    return { session: undefined, missing: `Chromium did not start: ${(e as Error).message.split("\n")[0]}` };
  }
}
