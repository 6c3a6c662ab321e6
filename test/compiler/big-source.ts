/**
 * Generated big sources (issue 26.4), shared by test/compiler/big-sources.test.ts and
 * bench/compile-scaling.ts: X-CLIP followed by renamed copies of its CrossFrameBlock, as the report
 * that found the crashes built them, and two hostile shapes (a lexical error per block, one long sum).
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const XCLIP = readFileSync("models/xclip.mdl", "utf8");
/** The CrossFrameBlock declaration, comment included: ~1 KB of ordinary source. */
const BLOCK = XCLIP.slice(XCLIP.indexOf("block CrossFrameBlock("), XCLIP.indexOf("# The image encoder of CLIP"));

/** xclip.mdl plus renamed copies of one of its blocks until the text reaches `bytes`; `broken` puts a stray `$` in each copy. */
export function bigSource(bytes: number, broken = false): string {
  const parts = [XCLIP];
  let size = XCLIP.length;
  for (let i = 0; size < bytes; i++) {
    let copy = BLOCK.replace("block CrossFrameBlock(", `block CrossFrameBlock${i}(`);
    if (broken) copy = copy.replace("let m = ", "let m = $ ");
    parts.push(copy);
    size += copy.length;
  }
  return parts.join("\n");
}

/** `x + x + ... + x` with `terms` terms, in a model that would otherwise check. */
export function longSum(terms: number): string {
  return `model M {\n  forward(x: [B, 4]) -> [B, 4] {\n    return ${"x + ".repeat(terms - 1)}x\n  }\n}\n`;
}

/** Write `text` as DIR/models/big.mdl beside a copy of clip.mdl (xclip.mdl imports it); returns the path. */
export function writeModel(dir: string, text: string): string {
  mkdirSync(join(dir, "models"), { recursive: true });
  copyFileSync("models/clip.mdl", join(dir, "models/clip.mdl"));
  writeFileSync(join(dir, "models/big.mdl"), text);
  return join(dir, "models/big.mdl");
}
