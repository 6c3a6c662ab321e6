/** Every command of the CLI, each in its own file exporting `register(program)`. */
import type { Command } from "commander";
import { register as tokenize } from "./tokenize.ts";
import { register as env } from "./env.ts";
import { register as data } from "./data.ts";
import { register as weights } from "./weights.ts";
import { register as check } from "./check.ts";
import { register as summary } from "./summary.ts";
import { register as ir } from "./ir.ts";
import { register as fmt } from "./fmt.ts";
import { register as train } from "./train.ts";
import { register as evalCmd } from "./eval.ts";
import { register as demo } from "./demo.ts";
import { register as predict } from "./predict.ts";
import { register as classify } from "./classify.ts";
import { register as diff } from "./diff.ts";
import { register as viz } from "./viz.ts";
import { register as lsp } from "./lsp.ts";

export const commands: ((program: Command) => void)[] = [check, summary, ir, fmt, tokenize, env, data, weights, predict, classify, diff, viz, lsp, train, evalCmd, demo];
