/**
 * Convolutions over 1, 2 or 3 spatial axes (torch's conv1d/conv2d/conv3d): one factory, so the three
 * share their attributes (stride, padding, dilation per axis; groups), shape rule and cost.
 * `dilation` and `groups` are left out of the IR when they are 1, so IRs written before they
 * existed keep their text (and the golden IRs their lines).
 */
import { z } from "zod";
import * as P from "../4-ir/dim.ts";
import { mismatch, product, showShape } from "./rule-helpers.ts";
import { defineOp, type RuleError, type TT } from "./types.ts";

const int = z.number().int();
const axisNames = ["", "L", "H, W", "T, H, W"];
const kernelNames = ["", "k", "kh, kw", "kt, kh, kw"];

/** One whole number per spatial axis: stored as a list; a single number (or a list of one) means every axis. */
export const perAxis = (n: number) =>
  z.union([int, z.array(int)]).transform((v): number[] => (Array.isArray(v) ? (v.length === 1 ? Array(n).fill(v[0]) : v) : Array(n).fill(v)));

const badArg = (op: string, arg: string, want: string, got: unknown): RuleError => ({ code: "bad_spatial_arg", args: [op, arg, want, JSON.stringify(got)] });

/** A builtin's `ints` argument (or its numeric default) as one value per axis, each at least `min`. */
function axes(op: string, n: number, arg: string, v: number | number[], min: number): number[] | RuleError {
  const xs = typeof v === "number" ? [v] : v;
  const full = xs.length === 1 ? Array<number>(n).fill(xs[0]) : xs;
  if (full.length !== n || full.some((x) => x < min)) return badArg(op, `${arg}:`, n === 1 ? `a whole number >= ${min}` : `a whole number >= ${min} or a list of ${n}`, xs.length === 1 ? xs[0] : v);
  return full;
}

/**
 * floor((L + 2p - d (k - 1) - 1) / s) + 1 as a polynomial. With q = L + 2p - d (k - 1) - 1 = s Q + c
 * (c its constant term), the floor is Q + floor(c / s) whenever s divides every other coefficient of q:
 * exact for every value of the symbols. Otherwise undefined (the size depends on a remainder).
 */
function outSize(L: P.Poly, k: P.Poly, s: number, p: number, d: number): P.Poly | undefined {
  const q = P.add(P.sub(L, P.scale(k, d)), P.constant(2 * p + d - 1));
  const c = q.get("") ?? 0;
  const Q = P.div(P.sub(q, P.constant(c)), P.constant(s));
  return Q && P.add(Q, P.constant(Math.floor(c / s) + 1));
}

function convOp(n: 1 | 2 | 3) {
  const op = `conv${n}d`;
  const name = `\`${op}\``;
  const ones = Array<number>(n).fill(1);
  return defineOp({
    operands: "x, weight, bias?",
    attrs: z.object({ stride: perAxis(n).default(ones), padding: perAxis(n).default(Array(n).fill(0)), dilation: perAxis(n).optional(), groups: int.optional() }),
    dims: [],
    builtins: [{
      name: op,
      params: [
        { name: "x", kind: "tensor" }, { name: "weight", kind: "tensor" }, { name: "bias", kind: "tensor?" },
        { name: "stride", kind: "ints", default: 1 }, { name: "padding", kind: "ints", default: 0 }, { name: "dilation", kind: "ints", default: 1 }, { name: "groups", kind: "int", default: 1 },
      ],
      lower: (a) => {
        const stride = axes(op, n, "stride", a.stride, 1);
        const padding = axes(op, n, "padding", a.padding, 0);
        const dilation = axes(op, n, "dilation", a.dilation, 1);
        for (const r of [stride, padding, dilation]) if (!Array.isArray(r)) return r;
        if (a.groups < 1) return badArg(op, "groups:", "a whole number >= 1", a.groups);
        const attrs = {
          stride: stride as number[], padding: padding as number[],
          ...((dilation as number[]).some((d) => d !== 1) ? { dilation: dilation as number[] } : {}),
          ...(a.groups !== 1 ? { groups: a.groups as number } : {}),
        };
        return { inputs: a.bias ? [a.x, a.weight, a.bias] : [a.x, a.weight], attrs };
      },
    }],
    shape: ([x, w, b]: TT[], attrs) => {
      const r = n + 2;
      if (x.shape.length !== r) return { code: "rank_mismatch", args: [name, String(r), String(x.shape.length)] };
      if (w.shape.length !== r) return { code: "rank_mismatch", args: [`the weight of ${name}`, String(r), String(w.shape.length)] };
      if (x.dtype !== "f32" || w.dtype !== "f32") return { code: "dtype_mismatch", args: [name, x.dtype, w.dtype] };
      const g = attrs.groups ?? 1;
      if (!P.equal(x.shape[1], P.scale(w.shape[1], g))) return mismatch(`${name} (x's channels vs the weight's [O, C${g > 1 ? ` / ${g} groups` : ""}, ...])`, x, w);
      const o = P.asConstant(w.shape[0]);
      if (g > 1 && (o === undefined || o % g !== 0)) return { code: "bad_groups", args: [op, g, "out channels", P.format(w.shape[0])] };
      if (b && (b.shape.length !== 1 || !P.equal(b.shape[0], w.shape[0]))) return mismatch(`${name} (bias)`, b, w);
      const dilation = attrs.dilation ?? ones;
      const spatial: P.Poly[] = [];
      for (let i = 0; i < n; i++) {
        const size = outSize(x.shape[2 + i], w.shape[2 + i], attrs.stride[i], attrs.padding[i], dilation[i]);
        if (!size) return { code: "bad_operand", args: [name, `the spatial size ${P.format(x.shape[2 + i])} with kernel ${P.format(w.shape[2 + i])} and stride ${attrs.stride[i]} (give numbers, or a size the stride divides)`] };
        const c = P.asConstant(size);
        if (c !== undefined && c < 1) return { code: "conv_empty", args: [op, showShape(x.shape), showShape(w.shape), i] };
        spatial.push(size);
      }
      return { dtype: x.dtype, shape: [x.shape[0], w.shape[0], ...spatial] };
    },
    shapeText: `x [N, C, ${axisNames[n]}], weight [O, C / groups, ${kernelNames[n]}], bias [O] -> [N, O, ...] with out = (in + 2 p - d (k - 1) - 1) // s + 1 per axis; O divisible by groups; sizes symbolic only where the stride divides`,
    macs: ({ out, args }) => product(out) * product(args[1].slice(1)),
    macsText: `numel(out) * (C / groups) * ${kernelNames[n].split(", ").join(" * ")}`,
    semantics: `${n}-D cross-correlation in torch's layout (channels first) with an [O, C / groups, ${kernelNames[n]}] weight (torch.nn.functional.${op}): \`stride\`, \`padding\` (zeros, both sides) and \`dilation\` are one number for every axis or a list of ${n}; \`groups\` splits the channels into groups convolved separately (groups = C is depthwise); positions that do not fill a stride are dropped.`,
  });
}

export const conv1d = convOp(1);
export const conv2d = convOp(2);
export const conv3d = convOp(3);
