/**
 * What the overall `mdl --help` lists: each command's arguments and one-line description. The command files read
 * their descriptions from here, and test/cli/usage.test.ts holds the arguments to what they register, so the
 * overall help needs no command module loaded (loading them all cost a second of CPU).
 */
export const about = {
  check: {
    args: "[options] <files...>",
    text: "check .mdl files (folders: every .mdl file under them): syntax, names, hyperparameters and shapes of every model and block",
  },
  summary: {
    args: "[options] <file>",
    text: "parameters and multiply-accumulates (matmuls and convolutions) per module; batch symbols default to 1 (one video, one text)",
  },
  ir: { args: "[options] <file>", text: "print the compiled intermediate representation" },
  fmt: { args: "[options] <paths...>", text: "format .mdl files in place (folders: every .mdl file under them)" },
  diff: {
    args: "[options] <a> <b>",
    text:
      "semantic diff of two models: hyperparameters (and where each value came from), totals, inputs and outputs, then modules added, removed, " +
      "replaced or changed (exit 0 same, 1 different). --preset/--set/--replace/--remove apply to both sides; --a-*/--b-* to one side, after them",
  },
  viz: {
    args: "[options] <file>",
    text: "draw the module hierarchy (clusters) and the dataflow between modules with tensor shapes on edges",
  },
  predict: {
    args: "[options] <model>",
    text: "run a model on input tensors (input.<name> in a safetensors file) and write its outputs (out.<name>)",
  },
  classify: { args: "[options] <model>", text: "zero-shot classification: rank class names for each video" },
  train: {
    args: "[options] <model>",
    text: "train a model on a dataset in the official list format (AdamW, warm-up + cosine, label smoothing, resumable checkpoints)",
  },
  eval: {
    args: "[options] <model>",
    text: "evaluate a model on a dataset split: top-1/top-5, per-class accuracy, confusion matrix",
  },
  demo: {
    args: "[options]",
    text: "train the tiny CLIP mean-pool baseline, X-CLIP and an ablation on synthetic temporal data; print a table, draw learning curves",
  },
  runs: {
    args: "",
    text: "list, compare and plot training runs (folders holding metrics.jsonl: mdl train --out, mdl demo)",
  },
  tokenize: {
    args: "[options] <text...>",
    text: "print CLIP BPE token ids (OpenAI's simple_tokenizer, 49,408 tokens) of each TEXT",
  },
  data: { args: "", text: "datasets: write the synthetic one, check a dataset's lists and files" },
  weights: {
    args: "[options] <file>",
    text:
      "what a checkpoint is and holds: format, dtypes, parameter count, the model it looks like, and its tensors " +
      "(safetensors, PyTorch .pth/.bin/.pt, shard indexes, model folders, hf:ORG/NAME from the local Hugging Face cache)",
  },
  export: { args: "[options] <model>", text: "write the model for another engine (onnx, torch)" },
  env: {
    args: "[options]",
    text: "Show the runtime: node version, cores, the inference runtime and why, the TensorFlow.js backend in use and why others were not, ffmpeg",
  },
  lsp: {
    args: "[options]",
    text: "run the mdl language server over stdio: diagnostics, hover, definition, references, rename, completion, formatting, outline, inlay shapes",
  },
} as const satisfies Record<string, { args: string; text: string }>;

export type CommandName = keyof typeof about;
