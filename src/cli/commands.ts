/**
 * Every command of the CLI, each in its own file exporting `register(program)`. They are imported on
 * demand: `mdl check` should not pay for loading TensorFlow.js, so only the command being run is imported
 * (the overall --help reads about.ts).
 */
import type { Command } from "commander";
import type { CommandName } from "./about.ts";

type Module = { register: (program: Command) => void };

export const commands: Record<CommandName, () => Promise<Module>> = {
  check: () => import("./check.ts"),
  summary: () => import("./summary.ts"),
  ir: () => import("./ir.ts"),
  fmt: () => import("./fmt.ts"),
  diff: () => import("./diff.ts"),
  viz: () => import("./viz.ts"),
  predict: () => import("./predict.ts"),
  classify: () => import("./classify.ts"),
  train: () => import("./train.ts"),
  eval: () => import("./eval.ts"),
  demo: () => import("./demo.ts"),
  runs: () => import("./runs.ts"),
  tokenize: () => import("./tokenize.ts"),
  data: () => import("./data.ts"),
  weights: () => import("./weights.ts"),
  export: () => import("./export.ts"),
  env: () => import("./env.ts"),
  lsp: () => import("./lsp.ts"),
};
