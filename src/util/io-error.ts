/**
 * A failed read or write as the catalogue says it: the file, what mdl was doing, and why in words
 * ("no space left on device; 12.4 MB needed"), never Node's `ENOSPC: no space left on device, write`
 * with a stack under it. Anything that is not an error of the operating system passes through unchanged.
 */
import { MdlError, diag } from "../compiler/diagnostics/diagnostic.ts";

/** An error the operating system gave a system call (fs, streams): a code like ENOSPC and the call's name. */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | undefined;
  return typeof e?.code === "string" && /^E[A-Z0-9]+$/.test(e.code) && typeof e.syscall === "string";
}

/** Where the words are worth more than the system's: the remedy is in them. */
const WORDS: Record<string, string> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EFBIG: "file too large for this file system",
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOENT: "no such file or folder",
  EIO: "input/output error (the disk or the network file system failed)",
  EMFILE: "too many open files",
  EPIPE: "the reader closed the pipe",
};
const FULL = new Set(["ENOSPC", "EDQUOT", "EFBIG"]);

/** Why, in words; `needed` bytes are added where the disk or quota is full and the size is known. */
export function ioWhy(err: NodeJS.ErrnoException, needed?: number): string {
  const code = err.code ?? "";
  // Node's own text is "CODE: words, syscall 'path'": keep the words
  const words = WORDS[code] ?? /^[A-Z0-9]+: ([^,]+)/.exec(err.message)?.[1] ?? err.message.split("\n")[0];
  return needed !== undefined && FULL.has(code) ? `${words}; ${formatBytes(needed)} needed` : words;
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} bytes`;
  const [unit, scale] = n < 1e6 ? ["KB", 1e3] : n < 1e9 ? ["MB", 1e6] : ["GB", 1e9];
  const v = n / scale;
  return `${v < 100 ? v.toFixed(1) : Math.round(v)} ${unit}`;
}

/**
 * `err` as MDL007 on `path` ("cannot `what`: why"), when it is a system error; anything else unchanged,
 * so a caller can `throw ioError(...)` in a catch that also sees bugs and catalogued errors.
 */
export function ioError(err: unknown, path: string | undefined, what: string, needed?: number): unknown {
  if (!isSystemError(err)) return err;
  return new MdlError(diag("io_failed", path ?? err.path, what, ioWhy(err, needed)));
}

/** What a system error's call was doing, for one that reaches the top without a caller having said. */
export function syscallWords(err: NodeJS.ErrnoException): string {
  const call = err.syscall ?? "access";
  const words: Record<string, string> = {
    open: "open",
    write: "write",
    read: "read",
    rename: "rename",
    mkdir: "create the folder",
    rmdir: "remove",
    unlink: "remove",
    fsync: "flush to disk",
    scandir: "list",
    stat: "read",
    lstat: "read",
  };
  return words[call] ?? call;
}
