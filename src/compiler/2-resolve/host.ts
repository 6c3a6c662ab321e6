import type { Parsed } from "../1-syntax/parse.ts";

/** How the compiler reads files: the CLI implements it with fs, a web page with an in-memory map. */
export interface Host {
  /** The file's text, or undefined when there is no such file. */
  readFile(path: string): string | undefined;
  /**
   * Optional: parse a file's text (the language server parses per declaration, reusing the ones an edit
   * did not touch); it must give exactly what parseSource gives. Undefined (or no hook): the compiler parses.
   */
  parse?(name: string, text: string): Parsed | undefined;
}

export function memoryHost(files: Record<string, string>): Host {
  return { readFile: (p) => files[normalize(p)] ?? files[p] };
}

/** POSIX-style path arithmetic without node:path (the compiler must run in a browser). */
export function normalize(path: string): string {
  const abs = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && out.length && out[out.length - 1] !== "..") out.pop();
    else if (part !== ".." || !abs) out.push(part);
  }
  return (abs ? "/" : "") + out.join("/") || (abs ? "/" : ".");
}

export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

export function joinPath(dir: string, rel: string): string {
  return rel.startsWith("/") ? normalize(rel) : normalize(`${dir}/${rel}`);
}
