/**
 * What the weights loader reads of a TorchScript archive's code/: for one class, the `__parameters__` and
 * `__buffers__` name lists that torch's Python printer writes as the first lines of its body:
 *
 *   class ResidualAttentionBlock(Module):
 *     __parameters__ = ["in_proj_weight", "in_proj_bias", ]
 *     __buffers__ = []
 *
 * Plain text matching on those two lines; nothing else in code/ is parsed, interpreted or run.
 */
import { fail } from "../../compiler/diagnostics/diagnostic.ts";

/** A class's lists; both absent for a class that is not a Module (a TorchScript class or NamedTuple). */
export interface ClassNames {
  parameters?: string[];
  buffers?: string[];
}

/** The code/ entry that defines the classes of a `__torch__...` module: `code/__torch__/clip/model.py`. */
export function codeEntry(prefix: string, module: string): string {
  return `${prefix}code/${module.replace(/\./g, "/")}.py`;
}

/** The name lists of `class <name>` in `text` (the entry `entry`), refusing lists that are not lists of names. */
export function classNames(text: string, name: string, entry: string, file: string): ClassNames {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`class ${name}(`));
  if (start < 0) fail("corrupt", file, `\`${entry}\` does not define class \`${name}\`, which data.pkl uses`);
  const found: ClassNames = {};
  // The body: the indented lines up to the next line at column 0.
  for (let i = start + 1; i < lines.length && (lines[i] === "" || /^\s/.test(lines[i])); i++) {
    const m = /^\s+(__parameters__|__buffers__)\s*=(.*)$/.exec(lines[i]);
    if (!m) continue;
    const names = nameList(m[2]);
    if (!names)
      fail(
        "corrupt",
        file,
        `\`${entry}\`: \`${m[1]}\` of class \`${name}\` is not a list of names: ${m[2].trim().slice(0, 80)}`,
      );
    found[m[1] === "__parameters__" ? "parameters" : "buffers"] = names;
  }
  if (!found.parameters !== !found.buffers)
    fail(
      "corrupt",
      file,
      `\`${entry}\`: class \`${name}\` lists its ${found.parameters ? "parameters but not its buffers" : "buffers but not its parameters"}`,
    );
  return found;
}

/** `["a", "b", ]` -> [a, b]; anything else -> undefined. */
function nameList(text: string): string[] | undefined {
  const m = /^\s*\[(.*)\]\s*$/.exec(text);
  if (!m) return undefined;
  const items = m[1].split(",").map((s) => s.trim());
  if (items.length && items[items.length - 1] === "") items.pop();
  const names = items.map((s) => /^"([^"\\]+)"$/.exec(s)?.[1]);
  return names.every((n): n is string => n !== undefined) ? names : undefined;
}
