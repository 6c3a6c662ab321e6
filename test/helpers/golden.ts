/**
 * Golden files: `expectGolden(text, file)` asserts that `text` equals the file's contents.
 * With UPDATE=1 in the environment it (re)writes the file instead, so a changed output is
 * reviewed as a plain-text diff in git rather than edited by hand.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import * as assert from "uvu/assert";

export const updating = process.env.UPDATE === "1";

export function expectGolden(actual: string, file: string): void {
  const text = actual.endsWith("\n") ? actual : actual + "\n";
  if (updating) {
    mkdirSync(dirname(file), { recursive: true });
    if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
    return;
  }
  if (!existsSync(file)) assert.unreachable(`missing golden ${file}; run with UPDATE=1 to create it`);
  assert.fixture(text, readFileSync(file, "utf8"), `golden ${file} differs (UPDATE=1 rewrites it)`);
}
