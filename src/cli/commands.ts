/** Every command of the CLI, each in its own file exporting `register(program)`. */
import type { Command } from "commander";
import { register as tokenize } from "./tokenize.ts";
import { register as env } from "./env.ts";
import { register as data } from "./data.ts";
import { register as weights } from "./weights.ts";

export const commands: ((program: Command) => void)[] = [tokenize, env, data, weights];
