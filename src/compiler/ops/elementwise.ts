/** Elementwise ops: binary ones broadcast as numpy does; unary ones keep the shape and need f32. */
import * as z from "zod/v4";
import { broadcastShapes, floatOnly, mismatch } from "./rule-helpers.ts";
import { grad, type Grad } from "./grad.ts";
import { defineOp, type Decompose, type GradRule, type GV, type RuleResult, type TT } from "./types.ts";

const none = z.object({});

function broadcastRule(args: TT[], _attrs: unknown, op: string): RuleResult {
  const [a, b] = args;
  if (a.dtype !== b.dtype) return { code: "dtype_mismatch", args: [`\`${op}\``, a.dtype, b.dtype] };
  const shape = broadcastShapes(a.shape, b.shape);
  return shape ? { dtype: a.dtype, shape } : mismatch(`\`${op}\``, a, b);
}

/** The two cotangents at the broadcast shape, each built only when asked for. */
type BinaryVjp = (d: Grad, a: GV, b: GV, out: GV, g: GV) => [() => GV, () => GV];
/** A binary op's VJP from the cotangents at the broadcast shape, summed back to each operand's shape. */
const binaryGrad = (f: BinaryVjp): GradRule<object> => ({
  vjp: ({ e, args: [a, b], out, g, needs }) => {
    const d = grad(e);
    const [ga, gb] = f(d, a, b, out, g);
    return [needs[0] ? d.unbroadcast(ga(), a.shape) : undefined, needs[1] ? d.unbroadcast(gb(), b.shape) : undefined];
  },
});

/** Where a > b and where a == b, as f32 0/1 (the masks of maximum and minimum; ties split the cotangent in half, as torch). */
const pick = (d: Grad, a: GV, b: GV, g: GV, first: boolean): [() => GV, () => GV] => {
  let wa: GV | undefined;
  const weight = () =>
    (wa ??= d.add(d.f32(first ? d.greater(a, b) : d.greater(b, a)), d.mul(d.f32(d.equal(a, b)), d.k(0.5))));
  return [() => d.mul(g, weight()), () => d.mul(g, d.sub(d.k(1), weight()))];
};

const binary = (semantics: string, opts: { syntax?: string; builtin?: string }, gradRule: GradRule<object>) =>
  defineOp({
    operands: "a, b",
    ...(opts.syntax ? { syntax: opts.syntax } : {}),
    attrs: none,
    dims: [],
    builtins: opts.builtin
      ? [
          {
            name: opts.builtin,
            params: [
              { name: "a", kind: "tensor", scalar: true },
              { name: "b", kind: "tensor", scalar: true },
            ],
            lower: (a) => ({ inputs: [a.a, a.b], attrs: {} }),
          },
        ]
      : [],
    shape: broadcastRule,
    shapeText: "a and b have one dtype; the shape is their numpy broadcast",
    macs: 0,
    macsText: "0 (elementwise)",
    semantics,
    grad: gradRule,
    traits: { pointwise: true },
  });

export const add = binary(
  "a + b elementwise.",
  { syntax: "a + b" },
  binaryGrad((_d, _a, _b, _o, g) => [() => g, () => g]),
);
export const sub = binary(
  "a - b elementwise.",
  { syntax: "a - b" },
  binaryGrad((d, _a, _b, _o, g) => [() => g, () => d.neg(g)]),
);
export const mul = binary(
  "a * b elementwise.",
  { syntax: "a * b" },
  binaryGrad((d, a, b, _o, g) => [() => d.mul(g, b), () => d.mul(g, a)]),
);
export const div = binary(
  "a / b elementwise (true division).",
  { syntax: "a / b" },
  binaryGrad((d, _a, b, out, g) => [() => d.div(g, b), () => d.neg(d.div(d.mul(g, out), b))]),
);
// d/da = b a^(b-1), d/db = log(a) a^b
export const pow = binary(
  "a raised to the power b elementwise.",
  { syntax: "a ** b" },
  binaryGrad((d, a, b, out, g) => [
    () => d.mul(g, d.mul(b, d.pow(a, d.sub(b, d.k(1))))),
    () => d.mul(g, d.mul(d.log(a), out)),
  ]),
);
export const maximum = binary(
  "The larger of a and b elementwise.",
  { builtin: "maximum" },
  binaryGrad((d, a, b, _o, g) => pick(d, a, b, g, true)),
);
export const minimum = binary(
  "The smaller of a and b elementwise.",
  { builtin: "minimum" },
  binaryGrad((d, a, b, _o, g) => pick(d, a, b, g, false)),
);

const compareRule =
  (op: string) =>
  (args: TT[], attrs: unknown, name: string): RuleResult => {
    const r = broadcastRule(args, attrs, name);
    return "code" in r ? r : { dtype: "bool", shape: r.shape };
  };
const compare = (semantics: string, builtin: string) =>
  defineOp({
    operands: "a, b",
    attrs: none,
    dims: [],
    builtins: [
      {
        name: builtin,
        params: [
          { name: "a", kind: "tensor", scalar: true },
          { name: "b", kind: "tensor", scalar: true },
        ],
        lower: (a) => ({ inputs: [a.a, a.b], attrs: {} }),
      },
    ],
    shape: compareRule(builtin),
    shapeText: "a and b have one dtype; a bool tensor of their numpy broadcast",
    macs: 0,
    macsText: "0 (elementwise)",
    semantics,
    grad: { nondifferentiable: "a comparison: its bool value is piecewise constant" },
    traits: { pointwise: true },
  });
export const equal = compare("a == b elementwise, as bool (masks in gradients; cast to f32 to compute with).", "equal");
export const greater = compare("a > b elementwise, as bool.", "greater");

/** A unary op's VJP as the cotangent of x from x, the value and g. */
const unaryGrad = (f: (d: Grad, x: GV, out: GV, g: GV) => GV): GradRule<object> => ({
  vjp: ({ e, args: [x], out, g, needs }) => [needs[0] ? f(grad(e), x, out, g) : undefined],
});

const unary = (name: string, semantics: string, gradRule: GradRule<object>, syntax?: string) =>
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
    grad: gradRule,
    traits: { pointwise: true },
  });

/** g where x > 0, else 0 (relu's mask; torch gives 0 at x = 0 too). */
const positive = (d: Grad, x: GV) => d.f32(d.greater(x, d.k(0)));
const SQRT_2_OVER_PI_HALF = 1 / Math.sqrt(2 * Math.PI);

export const neg = unary(
  "neg",
  "-x elementwise.",
  unaryGrad((d, _x, _o, g) => d.neg(g)),
);
export const exp = unary(
  "exp",
  "e to the power x elementwise.",
  unaryGrad((d, _x, out, g) => d.mul(g, out)),
);
export const log = unary(
  "log",
  "The natural logarithm elementwise.",
  unaryGrad((d, x, _o, g) => d.div(g, x)),
);
export const sqrt = unary(
  "sqrt",
  "The square root elementwise.",
  unaryGrad((d, _x, out, g) => d.div(d.mul(g, d.k(0.5)), out)),
);
// d/dx x^-1/2 = -1/2 x^-3/2 = -1/2 out^3
export const rsqrt = unary(
  "rsqrt",
  "1 / sqrt(x) elementwise.",
  unaryGrad((d, _x, out, g) => d.mul(d.mul(g, d.k(-0.5)), d.mul(out, d.mul(out, out)))),
);
export const sigmoid = unary(
  "sigmoid",
  "1 / (1 + exp(-x)) elementwise.",
  unaryGrad((d, _x, out, g) => d.mul(g, d.mul(out, d.sub(d.k(1), out)))),
);
export const tanh = unary(
  "tanh",
  "The hyperbolic tangent elementwise.",
  unaryGrad((d, _x, out, g) => d.mul(g, d.sub(d.k(1), d.mul(out, out)))),
);
export const relu = unary(
  "relu",
  "max(x, 0) elementwise.",
  unaryGrad((d, x, _o, g) => d.mul(g, positive(d, x))),
);
// d/dx x Phi(x) = Phi(x) + x phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2, phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
// (x / 2) (1 + erf(x / sqrt 2)): what ONNX runs (opset 17 has no Gelu)
const geluDecomposed: Decompose<object> = ({ e, args: [x] }) => {
  const d = grad(e);
  return d.mul(d.mul(x, d.k(0.5)), d.add(d.erf(d.mul(x, d.k(Math.SQRT1_2))), d.k(1)));
};
export const gelu = {
  ...unary(
    "gelu",
    "The exact (erf) GELU, x * (1 + erf(x / sqrt 2)) / 2, as torch.nn.GELU(); CLIP's QuickGELU is written out in the models instead.",
    unaryGrad((d, x, _o, g) => {
      const cdf = d.mul(d.add(d.erf(d.mul(x, d.k(Math.SQRT1_2))), d.k(1)), d.k(0.5));
      const pdf = d.mul(d.exp(d.mul(d.mul(x, x), d.k(-0.5))), d.k(SQRT_2_OVER_PI_HALF));
      return d.mul(g, d.add(cdf, d.mul(x, pdf)));
    }),
  ),
  decompose: geluDecomposed,
};
// sign(x): 0 at x = 0, as torch
export const abs = unary(
  "abs",
  "|x| elementwise.",
  unaryGrad((d, x, _o, g) => d.mul(g, d.sub(positive(d, x), d.f32(d.greater(d.k(0), x))))),
);
// d/dx erf(x) = 2 / sqrt(pi) exp(-x^2)
export const erf = unary(
  "erf",
  "The error function elementwise (the exact GELU's gradient needs it).",
  unaryGrad((d, x, _o, g) => d.mul(g, d.mul(d.exp(d.neg(d.mul(x, x))), d.k(2 / Math.sqrt(Math.PI))))),
);
