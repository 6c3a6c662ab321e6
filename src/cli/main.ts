/** The `mdl` binary: one file per command under src/cli/, registered here. */
import { Command, CommanderError } from "commander";
import { about, type CommandName } from "./about.ts";
import { commands } from "./commands.ts";
import { totalmem } from "node:os";
import { mdlVersion } from "../util/version.ts";
import { exitFlushed, handleFatalErrors, quietOnClosedPipe } from "./io.ts";

handleFatalErrors();
quietOnClosedPipe();

const program = new Command("mdl")
  .description("Describe, check, run, train and diff video-recognition architectures")
  .version(mdlVersion())
  // a mistyped command or flag gets one line and where to look, not the whole help on stderr
  .showHelpAfterError("(mdl --help lists the commands; mdl COMMAND --help, a command's options)")
  .exitOverride();
// the command being run is loaded, and only it (`mdl help NAME`: that one); the overall help lists them all from about.ts
const [first, second] = process.argv.slice(2);
const wanted = first === "help" && second !== undefined ? second : first;
if (wanted !== undefined && Object.hasOwn(commands, wanted)) {
  const { setParamBudget } = await import("../compiler/limits.ts");
  setParamBudget(totalmem() / 2, "half of this machine's memory");
  (await commands[wanted as CommandName]()).register(program);
} else {
  for (const [name, { text }] of Object.entries(about)) program.command(name).description(text);
  program.configureHelp({
    subcommandTerm: (cmd) => `${cmd.name()} ${about[cmd.name() as CommandName]?.args ?? ""}`.trim(),
  });
}
try {
  await program.parseAsync(process.argv);
} catch (err) {
  // --help, --version and usage errors: commander has written its text; let it reach a pipe before exiting.
  if (!(err instanceof CommanderError)) throw err; // to handleFatalErrors, as one catalogued line
  await exitFlushed(err.exitCode === 0 ? 0 : 2);
}
