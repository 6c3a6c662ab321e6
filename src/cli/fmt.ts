/**
 * `mdl fmt [--check] PATH...`: rewrite .mdl files in their canonical form (folders: every *.mdl
 * under them). `--check` only lists the files that would change: exit 1 if any, else 0. A file with
 * a syntax error is left as it is, its diagnostics printed, and the command exits 2.
 */
import type { Command } from "commander";
import { formatSource } from "../compiler/1-syntax/print.ts";
import {
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  expandPaths,
  printDiagnostics,
  readText,
  runCommand,
  writeFileAtomic,
} from "./io.ts";
import { about } from "./about.ts";

export function register(program: Command): void {
  program
    .command("fmt")
    .description(about.fmt.text)
    .argument("<paths...>", ".mdl files or folders")
    .option("--check", "change nothing; list the files that are not formatted and exit 1 if there are any")
    .action((paths: string[], flags: { check?: boolean }) =>
      runCommand(() => {
        let unformatted = 0;
        let broken = 0;
        for (const file of paths.flatMap(expandPaths)) {
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
