/** `mdl lsp`: the language server on stdin/stdout, for editors (see editors/vscode). */
import type { Command } from "commander";
import { serveStdio } from "../lsp/server.ts";
import { about } from "./about.ts";

export function register(program: Command): void {
  program
    .command("lsp")
    .description(about.lsp.text)
    .option("--stdio", "talk over stdin/stdout (the default and only transport; accepted because editors pass it)")
    .action(() => serveStdio());
}
