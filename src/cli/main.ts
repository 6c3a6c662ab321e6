/** The `mdl` binary: one file per command under src/cli/, registered here. */
import { Command } from "commander";
import { commands } from "./commands.ts";

const program = new Command("mdl")
  .description("Describe, check, run, train and diff video-recognition architectures")
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
const wanted = process.argv[2];
const only = wanted !== undefined && Object.hasOwn(commands, wanted) ? [commands[wanted]] : Object.values(commands);
for (const load of only) (await load()).register(program);
await program.parseAsync(process.argv);
