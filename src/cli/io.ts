/** What every command shares: catalogued failures become one rendered message and exit code 2. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { MdlError, diag, fail, withHint, type Diagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { renderCapped, renderDiagnostic } from "../compiler/diagnostics/render.ts";
import { SourceFile } from "../compiler/source.ts";
import type { SplitData } from "../runtime/session/data.ts";
import { runExitHooks } from "../util/exit-hooks.ts";
import { ownFatalErrors } from "../util/fatal.ts";
import { ioWhy, isSystemError, syscallWords } from "../util/io-error.ts";

export { writeFileAtomic } from "../util/atomic-write.ts";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1; // the thing checked failed: diff found differences, check found errors
export const EXIT_USAGE = 2; // usage or input error
export const EXIT_INTERNAL = 70; // a bug in mdl (sysexits' EX_SOFTWARE)

const sources = new Map<string, SourceFile>();

/** Files read through here can be quoted in diagnostics. */
export function rememberSource(name: string, text: string): void {
  sources.set(name, new SourceFile(name, text));
}
export function lookupSource(name: string): SourceFile | undefined {
  return sources.get(name);
}

export function printDiagnostics(ds: readonly Diagnostic[], stream: NodeJS.WriteStream = process.stderr): void {
  for (const text of renderCapped(ds, lookupSource)) stream.write(text + "\n");
}

/** Print every bad entry of a data split; stop before any work unless they may be skipped. */
export function reportBad(data: SplitData, split: string, skipBad: boolean): void {
  for (const s of data.sources) rememberSource(s.file, s.text);
  if (!data.problems.length) return;
  printDiagnostics(data.problems);
  if (!skipBad) fail("bad_entries", data.sources[1]?.file, data.problems.length, split);
  process.stderr.write(
    `skipping ${data.problems.length} bad entr${data.problems.length === 1 ? "y" : "ies"}; ${data.entries.length} left\n`,
  );
}

/** Run a command body; user errors print without a stack trace and exit 2, a bug prints one line and exits 70. */
export async function runCommand(body: () => Promise<number | void> | number | void): Promise<never> {
  let code = EXIT_OK;
  try {
    code = (await body()) ?? EXIT_OK;
  } catch (err) {
    code = report(err);
  }
  runExitHooks();
  // tfjs and the wasm thread pool can keep the event loop alive; commands are done here.
  return exitFlushed(code);
}

/**
 * Print what `err` means to the user, once, and return the exit code: a catalogued error as rendered (its own
 * code, or 2), an error of the operating system as MDL007 naming its file, anything else as a bug (MDL009, 70)
 * whose stack only MDL_DEBUG=1 prints: the user can do nothing with it, and tfjs-wasm's carried 58 KB of source.
 */
export function report(err: unknown): number {
  if (err instanceof MdlError) {
    if (err.diagnostic.code !== "MDL000") printDiagnostics([err.diagnostic]);
    // a training stopped by a signal, after its save, exits as the shell expects of that signal (130, 143)
    return "exitCode" in err && typeof err.exitCode === "number" ? err.exitCode : EXIT_USAGE;
  }
  if (isSystemError(err)) {
    printDiagnostics([diag("io_failed", err.path, syscallWords(err), ioWhy(err))]);
    return EXIT_USAGE;
  }
  const message = String((err as Error)?.message ?? err)
    .split("\n")[0]
    .replace(/^mdl internal error: /, "");
  const debug = !!process.env.MDL_DEBUG && process.env.MDL_DEBUG !== "0";
  const hint = debug
    ? undefined
    : "this is a bug in mdl, not in what you gave it; MDL_DEBUG=1 prints the stack for a report";
  printDiagnostics([
    withHint(diag("internal_error", undefined, message.length > 300 ? message.slice(0, 300) + "..." : message), hint),
  ]);
  if (debug) process.stderr.write(String((err as Error)?.stack ?? err) + "\n");
  return EXIT_INTERNAL;
}

let dying = false;

/**
 * mdl's handlers in place of any library's (util/fatal.ts): an error nothing caught, in a callback or a
 * promise nobody awaited, is reported as runCommand reports it and ends the process with its exit code.
 */
export function handleFatalErrors(): void {
  ownFatalErrors((err) => {
    if (dying) return; // a second one while the first is being flushed adds nothing
    dying = true;
    const code = report(err);
    runExitHooks();
    void exitFlushed(code);
  });
}

/**
 * `process.exit` once stdout and stderr have handed every byte to the OS. Writes to a pipe are queued
 * when the reader is slower than us (64 KiB at a time), and a bare `process.exit` drops the queue.
 * A write's callback runs after every earlier write, so an empty write marks the end.
 */
export async function exitFlushed(code: number): Promise<never> {
  const flushed = (s: NodeJS.WriteStream) =>
    new Promise<void>((done) => (s.destroyed ? done() : s.write("", () => done())));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/**
 * A reader that stops early (`mdl ir --json | head`) closes the pipe: that is its right, not our
 * error, so EPIPE ends the command quietly with exit 0 instead of an unhandled 'error' event.
 * Any other failed write to stdout (`> /dev/full`: ENOSPC) is MDL008 and exit 2.
 */
export function quietOnClosedPipe(): void {
  for (const s of [process.stdout, process.stderr])
    s.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(EXIT_OK);
      if (dying) return;
      dying = true;
      if (s === process.stdout)
        process.stderr.write(
          renderDiagnostic(
            diag("stdout_unwritable", undefined, isSystemError(err) ? ioWhy(err) : String((err as Error).message)),
          ) + "\n",
        );
      runExitHooks();
      // stderr failing leaves no way to say so: the exit code is the message
      process.exit(EXIT_USAGE);
    });
}

export function readText(path: string): string {
  try {
    const text = readFileSync(path, "utf8");
    rememberSource(path, text);
    return text;
  } catch (err) {
    throw new MdlError(
      diag(
        "file_unreadable",
        path,
        (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String((err as Error).message),
      ),
    );
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
  const entries = readdirSync(path, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const e of entries) {
    const child = join(path, e.name);
    if (e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules") out.push(...expandPaths(child));
    else if (e.isFile() && e.name.endsWith(".mdl")) out.push(child);
  }
  return out;
}
