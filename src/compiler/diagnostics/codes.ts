/**
 * The catalogue: every code and message text mdl can print, grouped by phase.
 * 0xx usage, 1xx syntax, 2xx resolve, 3xx check, 4xx IR and lowering, 5xx weights and data.
 * Call sites name an entry (`diag("shape_mismatch", span, ...)`), never write message strings.
 */
/** How bad a diagnostic is; each catalogue entry has one (diagnostic.ts re-exports it). */
export type Severity = "error" | "warning" | "note";

const e = <A extends unknown[]>(code: string, text: (...a: A) => string, severity: Severity = "error") => ({
  code,
  text,
  severity,
});
/** Counts with thousands separators; past 10^15 (where digits stop being exact) in exponent form. */
const big = (n: number) => (n < 1e15 ? n.toLocaleString("en-US") : n.toExponential(2));
const list = (xs: readonly string[]) => xs.map((x) => `\`${x}\``).join(", ");

export const codes = {
  // 0xx usage
  usage: e("MDL001", (what: string) => what),
  bad_assignment: e("MDL002", (text: string) => `expected NAME=VALUE, got \`${text}\``),
  file_unreadable: e("MDL003", (why: string) => `cannot read file: ${why}`),
  output_unwritable: e("MDL004", (why: string) => `cannot write output: ${why}`),
  bad_count: e(
    "MDL005",
    (option: string, min: number, got: string) =>
      `\`${option}\` must be a whole number of at least ${min}, got \`${got}\``,
  ),
  bad_number: e(
    "MDL006",
    (option: string, what: string, got: string) => `\`${option}\` must be ${what}, got \`${got}\``,
  ),
  // one error path: a failed read or write names the file and what failed, in words; a bug is one line
  io_failed: e("MDL007", (what: string, why: string) => `cannot ${what}: ${why}`),
  stdout_unwritable: e("MDL008", (why: string) => `cannot write to standard output: ${why}`),
  internal_error: e("MDL009", (message: string) => `internal error: ${message}`),

  // 1xx syntax
  unexpected_token: e("MDL101", (found: string, expected: string) => `unexpected ${found}; expected ${expected}`),
  invalid_character: e("MDL102", (ch: string) => `invalid character \`${ch}\``),
  unterminated_string: e("MDL103", () => `unterminated string literal`),
  unexpected_eof: e("MDL104", (expected: string) => `unexpected end of file; expected ${expected}`),
  invalid_number: e("MDL105", (text: string) => `invalid number \`${text}\``),
  duplicate_keyword_arg: e("MDL106", (name: string) => `keyword argument \`${name}\` given twice`),
  positional_after_keyword: e("MDL107", () => `positional argument after a keyword argument`),
  invalid_assign_target: e("MDL108", () => `only a name can be assigned to`),
  misplaced_statement: e("MDL109", (what: string, where: string) => `${what} is not allowed in ${where}`),

  // 2xx resolve
  unknown_name: e("MDL201", (kind: string, name: string) => `unknown ${kind} \`${name}\``),
  import_not_found: e("MDL202", (path: string) => `cannot find module \`${path}\``),
  import_cycle: e("MDL203", (chain: readonly string[]) => `import cycle: ${chain.join(" -> ")}`),
  unknown_import: e("MDL204", (name: string, module: string) => `module \`${module}\` has no definition \`${name}\``),
  duplicate_definition: e("MDL205", (kind: string, name: string) => `${kind} \`${name}\` is defined more than once`),
  unknown_block: e("MDL206", (name: string) => `unknown block \`${name}\``),
  unknown_model: e("MDL207", (name: string) => `unknown model \`${name}\``),
  extends_cycle: e("MDL208", (chain: readonly string[]) => `a model extends itself: ${chain.join(" -> ")}`),
  unknown_preset: e(
    "MDL209",
    (name: string, model: string, known: readonly string[]) =>
      `model \`${model}\` has no preset \`${name}\`${known.length ? ` (presets: ${list(known)})` : ""}`,
  ),
  unknown_hyperparameter: e(
    "MDL210",
    (name: string, owner: string) => `\`${owner}\` has no hyperparameter \`${name}\``,
  ),
  unknown_member: e(
    "MDL211",
    (path: string, owner: string) => `\`${owner}\` has no sub-module or parameter \`${path}\``,
  ),
  unknown_function: e("MDL212", (name: string) => `unknown operation or block \`${name}\``),
  duplicate_preset: e("MDL213", (name: string) => `preset \`${name}\` is defined more than once`),
  no_model: e("MDL214", (file: string) => `${file} defines no model`),
  recursive_block: e("MDL216", (chain: readonly string[]) => `block instantiates itself: ${chain.join(" -> ")}`),
  shadowed_name: e("MDL217", (name: string) => `\`${name}\` is already defined in this scope`),

  // 3xx check
  shape_mismatch: e("MDL301", (op: string, a: string, b: string) => `shape mismatch in ${op}: ${a} and ${b}`),
  dtype_mismatch: e("MDL302", (op: string, a: string, b: string) => `dtype mismatch in ${op}: ${a} and ${b}`),
  arity: e(
    "MDL303",
    (callee: string, expected: string, got: number) =>
      `\`${callee}\` takes ${expected} argument${expected === "1" ? "" : "s"}, got ${got}`,
  ),
  non_integer_dim: e("MDL304", (what: string, value: string) => `${what} must be a whole number, but is ${value}`),
  type_mismatch: e(
    "MDL305",
    (what: string, expected: string, got: string) => `${what} must be ${expected}, got ${got}`,
  ),
  missing_argument: e("MDL306", (name: string, callee: string) => `missing argument \`${name}\` of \`${callee}\``),
  unknown_keyword: e(
    "MDL307",
    (name: string, callee: string, known: readonly string[]) =>
      `\`${callee}\` has no parameter \`${name}\`${known.length ? ` (parameters: ${list(known)})` : ""}`,
  ),
  rank_mismatch: e(
    "MDL308",
    (what: string, expected: string, got: string) => `${what} expects rank ${expected}, got ${got}`,
  ),
  cannot_infer_dim: e(
    "MDL309",
    (dim: string, shape: string) => `cannot infer \`${dim}\` from the argument shape ${shape}`,
  ),
  return_mismatch: e(
    "MDL310",
    (name: string, declared: string, got: string) => `output \`${name}\` is declared ${declared} but is ${got}`,
  ),
  missing_return: e("MDL311", (block: string) => `forward of \`${block}\` does not return`),
  incompatible_replace: e(
    "MDL312",
    (member: string, block: string, why: string) => `cannot replace \`${member}\` by \`${block}\`: ${why}`,
  ),
  not_optional: e("MDL313", (member: string) => `\`${member}\` is not optional and cannot be removed`),
  conflicting_binding: e(
    "MDL314",
    (name: string, given: string, implied: string, tensor: string, shape: string) =>
      `\`${name}\` is ${given}, but \`${tensor}\` with shape ${shape} implies ${implied}`,
  ),
  index_out_of_range: e(
    "MDL315",
    (index: string, dim: string) => `index ${index} is out of range for a dimension of size ${dim}`,
  ),
  axis_out_of_range: e("MDL316", (axis: number, rank: number) => `axis ${axis} is out of range for rank ${rank}`),
  division_by_zero: e("MDL317", () => `division by zero`),
  undefined_value: e(
    "MDL318",
    (name: string) => `\`${name}\` has no value here (it is declared but not available in forward)`,
  ),
  not_callable: e("MDL319", (name: string, kind: string) => `\`${name}\` is a ${kind} and cannot be called`),
  not_a_tensor: e("MDL320", (what: string, kind: string) => `${what} must be a tensor, got a ${kind}`),
  bad_condition: e("MDL321", (got: string) => `a condition must be a bool or an optional member, got ${got}`),
  bad_enum: e("MDL322", (value: string, options: readonly string[]) => `\`${value}\` is not one of ${list(options)}`),
  nonpositive_dim: e(
    "MDL323",
    (expr: string, value: string) => `dimension \`${expr}\` must be positive, but is ${value}`,
  ),
  unbound_hyperparameter: e(
    "MDL324",
    (name: string, owner: string) =>
      `hyperparameter \`${name}\` of \`${owner}\` has no value (no default, preset, --set or checkpoint binds it)`,
  ),
  bad_repeat: e("MDL325", (value: string) => `repeat count must be a whole number >= 0, got ${value}`),
  missing_output: e("MDL326", (name: string) => `declared output \`${name}\` is not returned`),
  extra_output: e("MDL327", (name: string) => `returned output \`${name}\` is not declared`),
  not_iterable: e(
    "MDL328",
    (name: string, kind: string) =>
      `\`${name}\` is a ${kind}; only a stack of layers (\`repeat\`, \`seq\`), a slice of one or a list can be looped over`,
  ),
  no_forward: e("MDL329", (block: string) => `\`${block}\` has no forward and cannot be called`),
  bad_reshape: e("MDL330", (from: string, to: string) => `cannot reshape ${from} (${"elements differ"}) to ${to}`),
  bad_operand: e("MDL331", (op: string, got: string) => `${op} cannot take ${got}`),
  repeat_not_sequential: e(
    "MDL332",
    (name: string, why: string) => `cannot apply the stack \`${name}\` in sequence: ${why}`,
  ),
  tuple_arity: e(
    "MDL333",
    (expected: number, got: number) => `expected ${expected} value${expected === 1 ? "" : "s"} to unpack, got ${got}`,
  ),
  bad_binding_shape: e(
    "MDL335",
    (tensor: string, declared: string, found: string) =>
      `\`${tensor}\` is declared ${declared} but the checkpoint has ${found}`,
  ),

  // path patterns, derived blocks, per-side edits, bindings from inputs
  block_extends_cycle: e("MDL391", (chain: readonly string[]) => `a block extends itself: ${chain.join(" -> ")}`),
  bad_path_pattern: e(
    "MDL390",
    (where: string, pattern: string, why: string) => `${where} \`${pattern}\` is not a path pattern: ${why}`,
  ),

  // MDL360-369: derived blocks' arguments, assertions, unused members, the base's forward
  positional_inherited: e(
    "MDL360",
    (arg: string, name: string, block: string, base: string) =>
      `positional argument \`${arg}\` of \`${block}\` would set \`${name}\`, which \`${block}\` inherits from \`${base}\` with a default; name the argument`,
  ),
  unused_member: e(
    "MDL361",
    (member: string, block: string) =>
      `\`${member}\` of \`${block}\` is used by no forward; call it in \`forward\`, or remove it`,
    "warning",
  ),
  no_base_forward: e(
    "MDL362",
    (block: string) =>
      `\`super(...)\` runs the forward of the block that \`${block}\` extends, and \`${block}\` extends none with a forward`,
  ),
  assert_failed: e("MDL363", (what: string, where: string) => `assertion failed for ${where}: ${what}`),

  // 4xx IR and lowering
  ir_invalid: e("MDL401", (why: string) => `invalid IR: ${why}`),
  unsupported_op: e("MDL402", (op: string, target: string) => `operation \`${op}\` has no lowering to ${target}`),
  input_missing: e("MDL403", (name: string, file: string) => `input \`${name}\` is missing from ${file}`),
  input_shape: e(
    "MDL404",
    (name: string, declared: string, got: string) => `input \`${name}\` must have shape ${declared}, got ${got}`,
  ),
  backend_unavailable: e("MDL405", (name: string, why: string) => `backend \`${name}\` is not available: ${why}`),
  input_dtype: e(
    "MDL406",
    (name: string, expected: string, got: string) => `input \`${name}\` must be ${expected}, got ${got}`,
  ),
  cannot_classify: e("MDL407", (model: string, why: string) => `\`${model}\` cannot classify videos: ${why}`),
  // engine limits
  weight_too_large: e(
    "MDL420",
    (name: string, bytes: number, limit: number) =>
      `parameter \`${name}\` takes ${bytes} bytes, more than one GPU buffer binding holds ` +
      `(maxStorageBufferBindingSize ${limit}); run it on a CPU backend (--backend wasm)`,
  ),

  // 5xx weights and data
  not_found: e("MDL501", (what: string) => `${what} not found`),
  unknown_format: e("MDL502", (why: string) => `not a checkpoint mdl can read: ${why}`),
  truncated: e("MDL503", (why: string) => `file is truncated: ${why}`),
  corrupt: e("MDL504", (why: string) => `file is corrupt: ${why}`),
  forbidden_global: e(
    "MDL505",
    (name: string) =>
      `refused to load: the pickle references \`${name}\`, which a state dict never needs (nothing was executed)`,
  ),
  unsupported_dtype: e("MDL506", (dtype: string) => `unsupported tensor dtype \`${dtype}\``),
  weights_missing: e(
    "MDL507",
    (n: number, names: readonly string[]) =>
      `${n} parameter${n === 1 ? " is" : "s are"} missing from the checkpoint: ${list(names.slice(0, 8))}${n > 8 ? ", ..." : ""}`,
  ),
  weights_unexpected: e(
    "MDL508",
    (n: number, names: readonly string[]) =>
      `${n} tensor${n === 1 ? " is" : "s are"} not parameters of the model: ${list(names.slice(0, 8))}${n > 8 ? ", ..." : ""}`,
  ),
  weight_shape: e(
    "MDL509",
    (name: string, declared: string, found: string) =>
      `\`${name}\` is declared ${declared} but the checkpoint has ${found}`,
  ),
  ffmpeg_missing: e(
    "MDL510",
    () =>
      `ffmpeg is not on PATH; install it (Debian/Ubuntu: \`apt-get install ffmpeg\`, macOS: \`brew install ffmpeg\`)`,
  ),
  video_decode: e("MDL511", (why: string) => `cannot decode video: ${why}`),
  image_decode: e("MDL512", (why: string) => `cannot decode image: ${why}`),
  bad_labels: e("MDL513", (line: number, why: string) => `labels line ${line}: ${why}`),
  bad_list: e("MDL514", (line: number, why: string) => `dataset list line ${line}: ${why}`),
  checkpoint_state: e("MDL516", (why: string) => `cannot resume: ${why}`),
  non_finite_loss: e(
    "MDL517",
    (step: number) => `loss became NaN or infinite at step ${step}; stopped, the last good checkpoint is kept`,
  ),
  not_a_classifier: e(
    "MDL518",
    (why: string) => `the model cannot be trained or evaluated as a video classifier: ${why}`,
  ),
  bad_entries: e(
    "MDL519",
    (n: number, split: string) =>
      `${n} bad entr${n === 1 ? "y" : "ies"} in the \`${split}\` split (listed above); fix ` +
      `${n === 1 ? "it" : "them"} or pass --skip-bad to leave ${n === 1 ? "it" : "them"} out`,
  ),
  bad_context_length: e(
    "MDL530",
    (got: string) => `the context length must be an integer of at least 2 (start and end token), got \`${got}\``,
  ),
  hf_not_cached: e(
    "MDL531",
    (repo: string, looked: string, command: string) =>
      `${repo} is not in the local Hugging Face cache (mdl downloads nothing): ${looked}; \`${command}\` fetches it`,
  ),
  // a run folder's one writer, interruptions and recovery
  run_locked: e(
    "MDL540",
    (pid: number, host: string, since: string) =>
      `another training is writing to this run folder: PID ${pid} on ${host}, since ${since}; wait for it to end or choose another --out`,
  ),
  run_lock_unreadable: e(
    "MDL541",
    () => `this run folder's lock names no process; if no training is writing here, remove it`,
  ),
  run_lock_stale: e(
    "MDL542",
    (pid: number, since: string) => `took over the lock of PID ${pid} (since ${since}), which is no longer running`,
    "warning",
  ),
  checkpoint_skipped: e(
    "MDL543",
    (why: string, used: string) => `not resuming from here: ${why}; resuming from ${used}`,
    "warning",
  ),
  interrupted: e(
    "MDL544",
    (signal: string, step?: number) =>
      step === undefined
        ? `interrupted by ${signal} before the first step; nothing was saved`
        : `interrupted by ${signal}; step ${step} is saved here and --resume continues from it`,
    "note",
  ),
  interrupted_now: e(
    "MDL545",
    (signal: string, step?: number) =>
      `${signal} again: stopped at once; ${step === undefined ? "no checkpoint was saved" : `the last complete checkpoint (step ${step}) is here`}`,
    "note",
  ),
  // a run folder a researcher can trust: what it holds, validation during training
  run_exists: e(
    "MDL546",
    (steps: number) =>
      `this folder already holds a training run (${big(steps)} step${steps === 1 ? "" : "s"}); pass ` +
      `--resume to continue it, --overwrite to start afresh in its place, or choose another --out`,
  ),
  no_validation_split: e(
    "MDL547",
    (list: string) =>
      `--eval-every evaluates on the validation split, and the data set has none: ` +
      `${list} is missing (the official list format: labels.csv, train.txt, val.txt)`,
  ),
  resumed_flags_differ: e(
    "MDL548",
    (changes: string) => `resumed with flags that differ from config.json, which keeps the first start's: ${changes}`,
    "note",
  ),
  best_metric_unknown: e(
    "MDL549",
    (name: string, known: string) => `--best-metric \`${name}\` is not a validation metric; one of ${known}`,
  ),
  // reading run folders back (`mdl runs`): a run is a folder holding metrics.jsonl
  no_runs: e(
    "MDL560",
    () => `no runs here: a run is a folder holding metrics.jsonl (\`mdl train --out\` and \`mdl demo\` write them)`,
  ),
  run_unreadable: e("MDL561", (why: string) => `cannot read this run: ${why}`),
  metric_not_logged: e(
    "MDL562",
    (metric: string, known: string) => `no run here logged \`${metric}\`; they have ${known}`,
  ),
  // no silent garbage: what would run but give meaningless numbers
  nonfinite_weights: e(
    "MDL550",
    (count: number, tensors: string) =>
      `${big(count)} weight value${count === 1 ? " is" : "s are"} NaN or infinite: ${tensors}; outputs would be NaN (pass --allow-nonfinite to run anyway)`,
  ),
  nonfinite_weights_allowed: e(
    "MDL551",
    (count: number, tensors: string) =>
      `${big(count)} weight value${count === 1 ? " is" : "s are"} NaN or infinite: ${tensors}`,
    "warning",
  ),
  integer_weight: e(
    "MDL552",
    (name: string, stored: string, declared: string) =>
      `\`${name}\` is stored as ${stored} but the model declares it ${declared}: integer weights are not float values (dequantise the checkpoint first)`,
  ),
  nonfinite_input: e(
    "MDL553",
    (name: string, count: number, first: string, value: string) =>
      `input \`${name}\` has ${big(count)} NaN or infinite value${count === 1 ? "" : "s"} (the first is \`${first}\` = ${value})`,
  ),
  token_id_range: e(
    "MDL554",
    (place: string, id: string, param: string, rows: number) =>
      `token id \`${place}\` = ${id} is outside the rows 0..${rows - 1} of \`${param}\``,
  ),
  duplicate_class: e(
    "MDL555",
    (name: string, where: string) =>
      `class name \`${name}\` is given more than once (${where}); copies split one class's probability between them`,
  ),
  unknown_inputs: e(
    "MDL556",
    (names: readonly string[], more: number) =>
      `ignored tensor${names.length + more === 1 ? "" : "s"} the model has no input for: ${list(names)}${more ? ` and ${more} more` : ""}`,
    "warning",
  ),
  clip_padded: e(
    "MDL557",
    (count: number, frames: number, indices: string) =>
      `the clip has ${count} frame${count === 1 ? "" : "s"}, fewer than the model's ${frames}: frames are repeated to make ${frames} (${indices})`,
    "note",
  ),

  // what training selects by path pattern, and runtime failures as diagnostics
  pattern_matches_nothing: e(
    "MDL450",
    (flag: string, pattern: string, model: string) =>
      `${flag} \`${pattern}\` matches no module or parameter of \`${model}\``,
  ),
  nothing_trainable: e("MDL452", (model: string, how: string) => `nothing of \`${model}\` is left to train: ${how}`),
  vocab_too_small: e(
    "MDL453",
    (param: string, rows: number, maxId: number) =>
      `the embedding \`${param}\` has ${rows} rows but the token ids go up to ${maxId}: the model's vocabulary is smaller than ` +
      `the tokenizer's (it needs at least ${maxId + 1} rows: a checkpoint with CLIP's vocabulary, or \`vocab\` set to match)`,
  ),
  kernel_failed: e(
    "MDL454",
    (op: string, scope: string, shapes: string, why: string) =>
      `\`${op}\` in \`${scope || "(model)"}\` failed on inputs ${shapes}: ${why}`,
  ),
  bad_lr_group: e(
    "MDL455",
    (got: string) => `--lr-group must be PATTERN=SCALE with a positive scale, e.g. \`mit.**=10\`, got \`${got}\``,
  ),
  // the words of a `train` section are names to the parser, so a wrong one is the checker's (MDL101 is the parser's alone)
  unknown_train_word: e("MDL457", (found: string, expected: string) => `unexpected ${found}; expected ${expected}`),
  lr_scale_invalid: e("MDL456", (got: string) => `a learning-rate scale must be a positive number, got \`${got}\``),

  // Size limits (src/compiler/limits.ts: defaults, flags and why), one per phase where the work is refused
  source_too_large: e(
    "MDL111",
    (bytes: number, limit: number, flag: string) =>
      `the source is ${big(bytes)} bytes, more than the limit of ${big(limit)} (raise it with ${flag})`,
  ),
  too_deep: e("MDL110", (what: string, limit: number) => `${what} nest more than ${limit} levels deep`),
  import_too_deep: e("MDL218", (limit: number) => `imports chain more than ${limit} files deep`),
  block_too_deep: e("MDL340", (limit: number) => `blocks instantiate blocks more than ${limit} levels deep`),
  eval_too_deep: e(
    "MDL342",
    (limit: number) => `expressions nest more than ${limit} levels deep through the forward calls they make`,
  ),
  too_many: e(
    "MDL341",
    (what: string, count: number, limit: number, flag: string) =>
      `${big(count)} ${what} exceed the limit of ${big(limit)} (raise it with ${flag})`,
  ),
  tensor_too_large: e(
    "MDL408",
    (what: string, shape: string, n: number, limit: number, flag: string) =>
      `${what} ${shape} has ${big(n)} elements, more than the limit of ${big(limit)} (raise it with ${flag})`,
  ),
  params_too_large: e(
    "MDL409",
    (need: string, budget: string, why: string) =>
      `the parameters need ${need}, more than the ${budget} that can be allocated here (${why})`,
  ),
  wasm_heap_full: e(
    "MDL410",
    (bytes: number, heapMiB: number) =>
      `the wasm backend cannot allocate ${big(bytes)} more bytes: its heap is full at ${big(heapMiB)} MiB (wasm32 stops at ` +
      `4,096 MiB); train with \`--recompute\` on the repeated blocks, a smaller batch or fewer frames, or use another backend`,
  ),
  // MDL370-379: a stack's layers and lists of collected outputs (3-check/stacks.ts);
  // MDL370's first argument says what was out of range: `index 4`, `slice \`2:9\``
  sequence_index_out_of_range: e("MDL370", (index: string, what: string, n: number, item: string) =>
    n === 0
      ? `${index} is out of range: ${what} is empty`
      : `${index} is out of range: ${what} has ${n} ${item}${n === 1 ? "" : "s"} (indices 0 to ${n - 1}, or -${n} to -1 from the end)`,
  ),
  list_item_mismatch: e(
    "MDL371",
    (first: string, got: string) => `a list of collected values holds one kind and shape: ${first}, then ${got}`,
  ),
  // convolution and padding arguments (ops/conv.ts, ops/pad.ts), MDL380-389
  bad_spatial_arg: e(
    "MDL380",
    (op: string, arg: string, want: string, got: string) => `\`${arg}\` of \`${op}\` must be ${want}, got ${got}`,
  ),
  bad_groups: e(
    "MDL381",
    (op: string, groups: number, what: string, n: string) =>
      `\`${op}\` with groups = ${groups}: ${what} ${n} is not divisible by ${groups}`,
  ),
  conv_empty: e(
    "MDL382",
    (op: string, x: string, w: string, axis: number) =>
      `\`${op}\` of ${x} with weight ${w} has no output positions along spatial axis ${axis} (pad the input or use a smaller kernel, stride or dilation)`,
  ),
} as const;

export type CodeName = keyof typeof codes;
