/** `mdl lsp`: the language server on stdin/stdout, for editors (see editors/vscode). */
import type { Command } from "commander";
import { serveStdio } from "../lsp/server.ts";

export function register(program: Command): void {
  program
    .command("lsp")
    .description("run the mdl language server over stdio: diagnostics, hover, definition, references, rename, completion, formatting, outline, inlay shapes")
    .option("--stdio", "talk over stdin/stdout (the default and only transport; accepted because editors pass it)")
    .action(() => serveStdio());
}
