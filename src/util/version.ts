/** mdl's version, as package.json says: `mdl --version` and every run record print it. */
import { readFileSync } from "node:fs";

export const mdlVersion = (): string =>
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;
