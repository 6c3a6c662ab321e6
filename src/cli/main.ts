/** The `mdl` binary: one file per command under src/cli/, registered here. */
import { Command, CommanderError } from "commander";
import { commands } from "./commands.ts";
import { readFileSync } from "node:fs";
import { totalmem } from "node:os";
import { setParamBudget } from "../compiler/limits.ts";
import { exitFlushed, handleFatalErrors, quietOnClosedPipe } from "./io.ts";

handleFatalErrors();
quietOnClosedPipe();
setParamBudget(totalmem() / 2, "half of this machine's memory");

const program = new Command("mdl")
  .description("Describe, check, run, train and diff video-recognition architectures")
  .version(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version)
  // a mistyped command or flag gets one line and where to look, not the whole help on stderr
  .showHelpAfterError("(mdl --help lists the commands; mdl COMMAND --help, a command's options)")
  .exitOverride();
const wanted = process.argv[2];
const only = wanted !== undefined && Object.hasOwn(commands, wanted) ? [commands[wanted]] : Object.values(commands);
for (const load of only) (await load()).register(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  // --help, --version and usage errors: commander has written its text; let it reach a pipe before exiting.
  if (!(err instanceof CommanderError)) throw err; // to handleFatalErrors, as one catalogued line
  await exitFlushed(err.exitCode === 0 ? 0 : 2);
}
