/** What every command shares: catalogued failures become one rendered message and exit code 2. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { MdlError, diag, type Diagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { renderDiagnostic } from "../compiler/diagnostics/render.ts";
import { SourceFile } from "../compiler/source.ts";
import { runExitHooks } from "../util/exit-hooks.ts";

export { writeFileAtomic } from "../util/atomic-write.ts";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1; // the thing checked failed: diff found differences, check found errors
export const EXIT_USAGE = 2; // usage or input error

const sources = new Map<string, SourceFile>();

/** Files read through here can be quoted in diagnostics. */
export function rememberSource(name: string, text: string): void {
  sources.set(name, new SourceFile(name, text));
}
export function lookupSource(name: string): SourceFile | undefined {
  return sources.get(name);
}

export function printDiagnostics(ds: readonly Diagnostic[], stream: NodeJS.WriteStream = process.stderr): void {
  for (const d of ds) stream.write(renderDiagnostic(d, lookupSource) + "\n");
}

/** Run a command body; user errors print without a stack trace and exit 2. */
export async function runCommand(body: () => Promise<number | void> | number | void): Promise<never> {
  let code = EXIT_OK;
  try {
    code = (await body()) ?? EXIT_OK;
  } catch (err) {
    if (err instanceof MdlError) {
      if (err.diagnostic.code !== "MDL000") printDiagnostics([err.diagnostic]);
      // a training stopped by a signal, after its save, exits as the shell expects of that signal (130, 143)
      code = "exitCode" in err && typeof err.exitCode === "number" ? err.exitCode : EXIT_USAGE;
    } else {
      runExitHooks();
      throw err;
    }
  }
  runExitHooks();
  // tfjs and the wasm thread pool can keep the event loop alive; commands are done here.
  return exitFlushed(code);
}

/**
 * `process.exit` once stdout and stderr have handed every byte to the OS. Writes to a pipe are queued
 * when the reader is slower than us (64 KiB at a time), and a bare `process.exit` drops the queue.
 * A write's callback runs after every earlier write, so an empty write marks the end.
 */
export async function exitFlushed(code: number): Promise<never> {
  const flushed = (s: NodeJS.WriteStream) => new Promise<void>((done) => (s.destroyed ? done() : s.write("", () => done())));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/**
 * A reader that stops early (`mdl ir --json | head`) closes the pipe: that is its right, not our
 * error, so EPIPE ends the command quietly with exit 0 instead of an unhandled 'error' event.
 */
export function quietOnClosedPipe(): void {
  for (const s of [process.stdout, process.stderr])
    s.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(EXIT_OK);
      throw err;
    });
}

export function readText(path: string): string {
  try {
    const text = readFileSync(path, "utf8");
    rememberSource(path, text);
    return text;
  } catch (err) {
    throw new MdlError(diag("file_unreadable", path, (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String((err as Error).message)));
  }
}


/** Parse repeated `--set k=v` options. */
export function parseAssignments(items: readonly string[] | undefined): [string, string][] {
  return (items ?? []).map((item) => {
    const i = item.indexOf("=");
    if (i <= 0) throw new MdlError(diag("bad_assignment", undefined, item));
    return [item.slice(0, i).trim(), item.slice(i + 1).trim()];
  });
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A file as given; a folder as the .mdl files under it, sorted, skipping dot-folders and node_modules. */
export function expandPaths(path: string): string[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new MdlError(diag("file_unreadable", path, "no such file or folder"));
  }
  if (!isDir) return [path];
  const out: string[] = [];
  const entries = readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const child = join(path, e.name);
    if (e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules") out.push(...expandPaths(child));
    else if (e.isFile() && e.name.endsWith(".mdl")) out.push(child);
  }
  return out;
}
