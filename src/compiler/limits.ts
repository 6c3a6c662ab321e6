/**
 * Size limits: how deep, how many and how large an input may be before the compiler refuses it with a
 * located diagnostic, instead of overflowing the JavaScript stack or the heap. Each limit is checked
 * before the work it bounds is done (the token nesting before the parser recurses, a repeat's instance
 * count before its copies are made), so a hostile file is refused in milliseconds.
 *
 *   nesting          64 levels   brackets, blocks and prefix/`**`/`else if` chains, per file (no flag:
 *                                the recursive-descent parser's stack is the bound, and no model needs 20)
 *   expression depth 256 levels  the AST, where `a + b + ...` nests one level per operator (no flag)
 *   import depth     32 files    a chain of imports (no flag)
 *   block depth      64 levels   blocks instantiating blocks (no flag; forward calls share the bound)
 *   checked depth    1,000       expression levels summed along nested forward calls (no flag)
 *   source size      2 MiB       bytes of one source file, checked       --max-source-bytes
 *                                before lexing
 *   operator chain   256         `+`s (or `*`s, `and`s, `or`s) in a row, counted on the tokens before
 *                                the parser builds a tree of them (no flag: it is the expression depth)
 *   instances        20,000      module instances of one model          --max-instances
 *   graph nodes      200,000     primitive ops in the forward graph      --max-nodes
 *   tensor elements  2^31        elements of one tensor whose shape is a constant   --max-tensor-elements
 *
 * X-CLIP's source is 9 KB: 2 MiB is 200 times that, and checks in a few seconds and under 1.5 GB here
 * (bench/compile-scaling.ts measures it; a 10 MB file would take ~40 s and ~5 GB, which is why it is refused).
 * X-CLIP (B/32 or B/16) has 318 instances and 1,259 nodes; a 48-layer ViT-G pair stays under 2,000 and 10,000.
 * The instance and node defaults keep a compile under ~10 s and ~1 GB on the reference machine
 * (bench/compile-scaling.ts measures the cost per instance). 2^31 elements is where typed arrays, tfjs and ONNX
 * protobufs stop; raising it only makes sense for `check`/`summary` of a model nobody will run here.
 */
import type { IToken } from "chevrotain";
import { CLOSE_BRACKETS, OPEN_BRACKETS } from "../../grammar/tokens.ts";
import type { Expr, FileAst } from "./1-syntax/ast.ts";
import { diag, type Diagnostic } from "./diagnostics/diagnostic.ts";
import type { ModelIR } from "./0-core/schema.ts";
import type { Span } from "./source.ts";

export const NESTING_LIMIT = 64;
export const EXPR_DEPTH_LIMIT = 256;
export const IMPORT_DEPTH_LIMIT = 32;
export const BLOCK_DEPTH_LIMIT = 64;
/** Expression levels summed over nested forward calls while checking (X-CLIP compiles far below it). */
export const EVAL_DEPTH_LIMIT = 1000;

export interface Limits {
  sourceBytes: number;
  instances: number;
  nodes: number;
  tensorElements: number;
}

export const DEFAULT_LIMITS: Limits = {
  sourceBytes: 2 * 1024 * 1024,
  instances: 20_000,
  nodes: 200_000,
  tensorElements: 2 ** 31,
};

/** The command-line flag that raises each limit, named in the diagnostic. */
export const LIMIT_FLAGS: Record<keyof Limits, string> = {
  sourceBytes: "--max-source-bytes",
  instances: "--max-instances",
  nodes: "--max-nodes",
  tensorElements: "--max-tensor-elements",
};

/**
 * Unwinds elaboration or the symbolic forward run once a count limit is crossed; compile() turns it
 * back into its diagnostic. Throwing (rather than reporting and carrying on) is what makes the refusal
 * cheap: the remaining copies of a 10^8-fold repeat are never visited.
 */
export class LimitReached extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

/** Counts instances and graph nodes against the limits; `reserve` throws LimitReached past one. */
export class Budget {
  instances = 0;
  nodes = 0;
  constructor(readonly limits: Limits = DEFAULT_LIMITS) {}

  /** Count `n` more instances, located at `span`. */
  reserveInstances(n: number, span: Span | undefined): void {
    this.expectInstances(n, span);
    this.instances += n;
  }

  /** Refuse now if `n` more instances would not fit (a repeat's remaining copies), without counting them. */
  expectInstances(n: number, span: Span | undefined): void {
    if (this.instances + n > this.limits.instances)
      throw new LimitReached(
        diag("too_many", span, "module instances", this.instances + n, this.limits.instances, LIMIT_FLAGS.instances),
      );
  }

  reserveNodes(n: number, span: Span | undefined): void {
    this.nodes += n;
    if (this.nodes > this.limits.nodes)
      throw new LimitReached(diag("too_many", span, "graph nodes", this.nodes, this.limits.nodes, LIMIT_FLAGS.nodes));
  }
}

/** Tokens after which `-` is binary and a name starts a new statement. */
const OPERAND_ENDS = new Set(["Name", "Int", "Float", "StringLit", "True", "False", "RParen", "RBracket"]);
/** Tokens that leave a prefix chain: the parser's recursion for it has returned. */
const CHAIN_ENDS = new Set([
  "Plus",
  "Star",
  "Slash",
  "SlashSlash",
  "Percent",
  "At",
  "EqEq",
  "NotEq",
  "LtEq",
  "GtEq",
  "Lt",
  "Gt",
  "And",
  "Or",
  "Comma",
  "Equals",
  "Colon",
  "Arrow",
  "Semicolon",
  "Let",
  "Return",
  "For",
  "Param",
  "Forward",
  "Use",
  "Optional",
  "Repeat",
  "Seq",
  "Preset",
  "Set",
  "Replace",
  "Remove",
  "Block",
  "Model",
  "Import",
  "Assert",
]);

/**
 * How deep the parser will recurse, measured on the tokens before it runs: one level per open bracket,
 * plus the chains it descends into without brackets (`- - x`, `not not b`, `a ** b ** c`,
 * `else if ... else if`). The first token past the limit is where the error points.
 */
export function scanNesting(file: string, tokens: readonly IToken[], limit = NESTING_LIMIT): Diagnostic | undefined {
  const chains: number[] = [0];
  let depth = 0;
  let prev = "";
  for (const t of tokens) {
    const type = t.tokenType.name;
    const top = chains.length - 1;
    if (OPEN_BRACKETS.has(type)) {
      chains.push(0);
      depth++;
    } else if (CLOSE_BRACKETS.has(type)) {
      if (top > 0) depth -= 1 + chains.pop()!;
    } else {
      let grow = 0;
      if (type === "Minus" && !OPERAND_ENDS.has(prev)) grow = 1;
      else if (type === "Not" || type === "Else") grow = 1;
      else if (type === "StarStar") grow = 2;
      else if (
        CHAIN_ENDS.has(type) ||
        (type === "If" && prev !== "Else") ||
        (OPERAND_ENDS.has(type) && OPERAND_ENDS.has(prev) && prev !== "RParen" && prev !== "RBracket")
      ) {
        depth -= chains[top];
        chains[top] = 0;
      }
      chains[top] += grow;
      depth += grow;
    }
    prev = type;
    if (depth > limit)
      return diag(
        "too_deep",
        { file, start: t.startOffset, end: t.startOffset + t.image.length },
        "brackets, blocks and operators",
        limit,
      );
  }
  return undefined;
}

/**
 * A source larger than `limit` bytes, refused before lexing (tokens, tree and checks all grow with it),
 * located where the limit is crossed. Counted in UTF-8 bytes, as `ls` shows a file's size.
 */
export function checkSourceSize(
  file: string,
  text: string,
  limit = DEFAULT_LIMITS.sourceBytes,
): Diagnostic | undefined {
  if (text.length <= limit / 3) return undefined;
  let bytes = 0;
  let crossed = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // a surrogate pair is 4 bytes, 2 per half
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xe000 ? 2 : 3;
    if (bytes > limit && crossed < 0) crossed = i;
  }
  if (crossed < 0) return undefined;
  return diag("source_too_large", { file, start: crossed, end: crossed + 1 }, bytes, limit, LIMIT_FLAGS.sourceBytes);
}

/** Binary operators by how loosely they bind; a looser one ends the chains of the tighter ones. */
const BINARY_CLASS: Record<string, number> = {
  Or: 0,
  And: 1,
  EqEq: 2,
  NotEq: 2,
  LtEq: 2,
  GtEq: 2,
  Lt: 2,
  Gt: 2,
  Plus: 3,
  Minus: 3,
  Star: 4,
  Slash: 4,
  SlashSlash: 4,
  Percent: 4,
  At: 4,
};
/** Tokens inside an operand: they neither continue nor end a chain. */
const IN_OPERAND = new Set(["Not", "Dot", "StarStar", "Minus"]);

/**
 * Left-associative chains (`x + x + ... + x`) are flat for the parser but one tree level per operator:
 * count them on the tokens, per bracket level and per precedence class, so that a 2.6-million-term sum is
 * refused before a tree of 2.6 million levels is built. A chain of n `+`s nests at least n levels, so this
 * refuses nothing checkAstDepth would accept; it reports what checkAstDepth would, located the same way.
 */
export function scanOperatorChains(
  file: string,
  tokens: readonly IToken[],
  limit = EXPR_DEPTH_LIMIT,
): Diagnostic | undefined {
  const CLASSES = 5;
  type Level = { count: number[]; from: number[] };
  const fresh = (at: number): Level => ({ count: new Array(CLASSES).fill(0), from: new Array(CLASSES).fill(at) });
  const levels: Level[] = [fresh(0)];
  let prev = "";
  for (let i = 0; i < tokens.length; i++) {
    const type = tokens[i].tokenType.name;
    const level = levels[levels.length - 1];
    const cls = type === "Minus" && !OPERAND_ENDS.has(prev) ? undefined : BINARY_CLASS[type];
    if (OPEN_BRACKETS.has(type)) levels.push(fresh(i + 1));
    else if (CLOSE_BRACKETS.has(type)) {
      if (levels.length > 1) levels.pop();
    } else if (cls !== undefined) {
      for (let c = cls + 1; c < CLASSES; c++) [level.count[c], level.from[c]] = [0, i + 1];
      // comparisons do not chain (`a < b < c` is a syntax error): only count the others
      if (cls !== 2 && ++level.count[cls] > limit) {
        const start = tokens[level.from[cls]].startOffset;
        return diag(
          "too_deep",
          { file, start, end: tokens[i].startOffset + tokens[i].image.length },
          "expressions",
          limit,
        );
      }
    } else if (!IN_OPERAND.has(type) && !(OPERAND_ENDS.has(type) && !OPERAND_ENDS.has(prev))) {
      // a separator, a keyword, or an operand right after an operand (a new statement): chains end here
      levels[levels.length - 1] = fresh(OPERAND_ENDS.has(type) ? i : i + 1);
    }
    prev = type;
  }
  return undefined;
}

/**
 * The deepest expression of a parsed file, walked with an explicit stack (the tree may be deeper than
 * the JavaScript stack allows a recursive walk). Reports the first expression found past the limit.
 */
export function checkAstDepth(ast: FileAst, limit = EXPR_DEPTH_LIMIT): Diagnostic | undefined {
  const todo: { node: object; depth: number }[] = [{ node: ast, depth: 0 }];
  while (todo.length) {
    const { node, depth } = todo.pop()!;
    for (const v of Object.values(node)) {
      for (const child of Array.isArray(v) ? v : [v]) {
        if (!child || typeof child !== "object" || !("kind" in child)) continue;
        // Arg and IndexItem sit between a call and its arguments: they carry the depth on
        const d = EXPR_KINDS.has(String(child.kind)) ? depth + 1 : depth;
        if (d > limit) return diag("too_deep", (child as Expr).span, "expressions", limit);
        todo.push({ node: child, depth: d });
      }
    }
  }
  return undefined;
}

/** The expressions whose evaluation recurses into sub-expressions. */
const EXPR_KINDS = new Set(["Binary", "Unary", "Call", "Index", "Member", "List", "Tuple"]);

/** Parameters and constant-shaped graph values larger than the element limit, located at their source. */
export function checkTensorSizes(ir: ModelIR, limits: Limits = DEFAULT_LIMITS): Diagnostic[] {
  const out: Diagnostic[] = [];
  const max = limits.tensorElements;
  for (const p of ir.params) {
    const n = p.shape.reduce((a, d) => a * d, 1);
    if (n > max)
      out.push(
        diag(
          "tensor_too_large",
          p.loc,
          `parameter \`${p.path}\``,
          `[${p.shape.join(", ")}]`,
          n,
          max,
          LIMIT_FLAGS.tensorElements,
        ),
      );
  }
  for (const node of ir.graph.nodes) {
    if (node.op === "param" || !node.type.shape.every((d) => typeof d === "number")) continue;
    const n = (node.type.shape as number[]).reduce((a, d) => a * d, 1);
    if (n > max)
      out.push(
        diag(
          "tensor_too_large",
          node.loc,
          `the result of \`${node.op}\``,
          `[${node.type.shape.join(", ")}]`,
          n,
          max,
          LIMIT_FLAGS.tensorElements,
        ),
      );
    if (out.length >= 10) break;
  }
  return out;
}

/**
 * What a back end may allocate for parameters: 4 GiB unless the host says more (a browser tab, and
 * tfjs-wasm's 32-bit heap, hold no more). The command line sets half of the machine's memory
 * (src/cli/main.ts); the compiler itself asks no Node API. Not a flag: it is the machine's size.
 */
let paramBudget = { bytes: 2 ** 32, why: "a 32-bit heap" };

export function setParamBudget(bytes: number, why: string): void {
  paramBudget = { bytes, why };
}

export function paramBudgetBytes(): { bytes: number; why: string } {
  return paramBudget;
}

const BYTES: Record<string, number> = { f32: 4, i32: 4, i64: 8, bool: 1 };

/** Refuse, before the first allocation, parameters that cannot fit: located at the largest one. */
export function checkParamMemory(ir: ModelIR, budget = paramBudgetBytes()): Diagnostic | undefined {
  let total = 0;
  let largest: ModelIR["params"][number] | undefined;
  let largestBytes = -1;
  for (const p of ir.params) {
    const bytes = p.shape.reduce((a, d) => a * d, 1) * (BYTES[p.dtype] ?? 4);
    total += bytes;
    if (bytes > largestBytes) [largest, largestBytes] = [p, bytes];
  }
  if (total <= budget.bytes) return undefined;
  return diag("params_too_large", largest?.loc ?? ir.file, formatBytes(total), formatBytes(budget.bytes), budget.why);
}

function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) [n, i] = [n / 1024, i + 1];
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}
