/**
 * `mdl fmt [--check] PATH...`: rewrite .mdl files in their canonical form (folders: every *.mdl
 * under them). `--check` only lists the files that would change: exit 1 if any, else 0. A file with
 * a syntax error is left as it is, its diagnostics printed, and the command exits 2.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { diag, MdlError } from "../compiler/diagnostics/diagnostic.ts";
import { formatSource } from "../compiler/1-syntax/print.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, printDiagnostics, readText, runCommand, writeFileAtomic } from "./io.ts";

export function register(program: Command): void {
  program
    .command("fmt")
    .description("format .mdl files in place (folders: every .mdl file under them)")
    .argument("<paths...>", ".mdl files or folders")
    .option("--check", "change nothing; list the files that are not formatted and exit 1 if there are any")
    .action((paths: string[], flags: { check?: boolean }) =>
      runCommand(() => {
        let unformatted = 0;
        let broken = 0;
        for (const file of paths.flatMap(expand)) {
          const text = readText(file);
          const { value, diagnostics } = formatSource(file, text);
          if (value === undefined) {
            printDiagnostics(diagnostics);
            broken++;
            continue;
          }
          if (value === text) continue;
          unformatted++;
          if (!flags.check) writeFileAtomic(file, value);
          process.stdout.write(file + "\n");
        }
        if (broken) return EXIT_USAGE;
        return flags.check && unformatted ? EXIT_FAILED : EXIT_OK;
      }),
    );
}

/** A file as given; a folder as the .mdl files under it, sorted, skipping dot-folders and node_modules. */
function expand(path: string): string[] {
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
    if (e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules") out.push(...expand(child));
    else if (e.isFile() && e.name.endsWith(".mdl")) out.push(child);
  }
  return out;
}
