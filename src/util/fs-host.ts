/**
 * The compiler's Host over the file system, shared by the CLI and the language server. `overlay` answers
 * first (the editor's unsaved buffers); `onRead` sees every text read from disk (the CLI keeps it to quote
 * in diagnostics).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import type { Host } from "../compiler/2-resolve/host.ts";

export function fileHost(
  opts: { overlay?: (path: string) => string | undefined; onRead?: (path: string, text: string) => void } = {},
): Host {
  return {
    readFile(path: string) {
      const open = opts.overlay?.(path);
      if (open !== undefined) return open;
      try {
        if (!existsSync(path) || !statSync(path).isFile()) return undefined;
        const text = readFileSync(path, "utf8");
        opts.onRead?.(path, text);
        return text;
      } catch {
        return undefined;
      }
    },
  };
}
