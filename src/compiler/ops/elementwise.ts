/** Elementwise ops: binary ones broadcast as numpy does; unary ones keep the shape and need f32. */
import { z } from "zod";
import { broadcastShapes, floatOnly, mismatch } from "./rule-helpers.ts";
import { defineOp, type RuleResult, type TT } from "./types.ts";

const none = z.object({});

function broadcastRule(args: TT[], _attrs: unknown, op: string): RuleResult {
  const [a, b] = args;
  if (a.dtype !== b.dtype) return { code: "dtype_mismatch", args: [`\`${op}\``, a.dtype, b.dtype] };
  const shape = broadcastShapes(a.shape, b.shape);
  return shape ? { dtype: a.dtype, shape } : mismatch(`\`${op}\``, a, b);
}

const binary = (semantics: string, opts: { syntax?: string; builtin?: string }) =>
  defineOp({
    operands: "a, b",
    ...(opts.syntax ? { syntax: opts.syntax } : {}),
    attrs: none,
    dims: [],
    builtins: opts.builtin
      ? [{ name: opts.builtin, params: [{ name: "a", kind: "tensor" }, { name: "b", kind: "tensor" }], lower: (a) => ({ inputs: [a.a, a.b], attrs: {} }) }]
      : [],
    shape: broadcastRule,
    shapeText: "a and b have one dtype; the shape is their numpy broadcast",
    macs: 0,
    macsText: "0 (elementwise)",
    semantics,
  });

export const add = binary("a + b elementwise.", { syntax: "a + b" });
export const sub = binary("a - b elementwise.", { syntax: "a - b" });
export const mul = binary("a * b elementwise.", { syntax: "a * b" });
export const div = binary("a / b elementwise (true division).", { syntax: "a / b" });
export const pow = binary("a raised to the power b elementwise.", { syntax: "a ** b" });
export const maximum = binary("The larger of a and b elementwise.", { builtin: "maximum" });
export const minimum = binary("The smaller of a and b elementwise.", { builtin: "minimum" });

const unary = (name: string, semantics: string, syntax?: string) =>
  defineOp({
    operands: "x",
    ...(syntax ? { syntax } : {}),
    attrs: none,
    dims: [],
    builtins: [{ name, params: [{ name: "x", kind: "tensor" }], lower: (a) => ({ inputs: [a.x], attrs: {} }) }],
    shape: ([x], _attrs, op) => floatOnly(op, x) ?? { dtype: x.dtype, shape: x.shape },
    shapeText: "x must be f32; the output has its shape",
    macs: 0,
    macsText: "0 (elementwise)",
    semantics,
  });

export const neg = unary("neg", "-x elementwise.");
export const exp = unary("exp", "e to the power x elementwise.");
export const log = unary("log", "The natural logarithm elementwise.");
export const sqrt = unary("sqrt", "The square root elementwise.");
export const rsqrt = unary("rsqrt", "1 / sqrt(x) elementwise.");
export const sigmoid = unary("sigmoid", "1 / (1 + exp(-x)) elementwise.");
export const tanh = unary("tanh", "The hyperbolic tangent elementwise.");
export const relu = unary("relu", "max(x, 0) elementwise.");
export const gelu = unary("gelu", "The exact (erf) GELU, x * (1 + erf(x / sqrt 2)) / 2, as torch.nn.GELU(); CLIP's QuickGELU is written out in the models instead.");
export const abs = unary("abs", "|x| elementwise.");
