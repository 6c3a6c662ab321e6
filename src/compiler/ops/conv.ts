/**
 * Convolutions over 1, 2 or 3 spatial axes (torch's conv1d/conv2d/conv3d): one factory, so the three
 * share their attributes (stride, padding, dilation per axis; groups), shape rule and cost.
 * `dilation` and `groups` are left out of the IR when they are 1, so IRs written before they
 * existed keep their text (and the golden IRs their lines).
 */
import * as z from "zod/v4";
import * as P from "../0-core/dim.ts";
import { mismatch, product, showShape } from "./rule-helpers.ts";
import { defineOp, type Dim, type GradRule, type GV, type RuleError, type TT } from "./types.ts";
import { grad, type Grad } from "./grad.ts";

const int = z.number().int();
const axisNames = ["", "L", "H, W", "T, H, W"];
const kernelNames = ["", "k", "kh, kw", "kt, kh, kw"];

/** One whole number per spatial axis: stored as a list; a single number (or a list of one) means every axis. */
export const perAxis = (n: number) =>
  z
    .union([int, z.array(int)])
    .transform((v): number[] => (Array.isArray(v) ? (v.length === 1 ? Array(n).fill(v[0]) : v) : Array(n).fill(v)));

const badArg = (op: string, arg: string, want: string, got: unknown): RuleError => ({
  code: "bad_spatial_arg",
  args: [op, arg, want, JSON.stringify(got)],
});

/** A builtin's `ints` argument (or its numeric default) as one value per axis, each at least `min`. */
function axes(op: string, n: number, arg: string, v: number | number[], min: number): number[] | RuleError {
  const xs = typeof v === "number" ? [v] : v;
  const full = xs.length === 1 ? Array<number>(n).fill(xs[0]) : xs;
  if (full.length !== n || full.some((x) => x < min))
    return badArg(
      op,
      `${arg}:`,
      n === 1 ? `a whole number >= ${min}` : `a whole number >= ${min} or a list of ${n}`,
      xs.length === 1 ? xs[0] : v,
    );
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
    attrs: z.object({
      stride: perAxis(n).default(ones),
      padding: perAxis(n).default(Array(n).fill(0)),
      dilation: perAxis(n).optional(),
      groups: int.optional(),
    }),
    dims: [],
    builtins: [
      {
        name: op,
        params: [
          { name: "x", kind: "tensor" },
          { name: "weight", kind: "tensor" },
          { name: "bias", kind: "tensor?" },
          { name: "stride", kind: "ints", default: 1 },
          { name: "padding", kind: "ints", default: 0 },
          { name: "dilation", kind: "ints", default: 1 },
          { name: "groups", kind: "int", default: 1 },
        ],
        lower: (a) => {
          const stride = axes(op, n, "stride", a.stride, 1);
          const padding = axes(op, n, "padding", a.padding, 0);
          const dilation = axes(op, n, "dilation", a.dilation, 1);
          for (const r of [stride, padding, dilation]) if (!Array.isArray(r)) return r;
          if (a.groups < 1) return badArg(op, "groups:", "a whole number >= 1", a.groups);
          const attrs = {
            stride: stride as number[],
            padding: padding as number[],
            ...((dilation as number[]).some((d) => d !== 1) ? { dilation: dilation as number[] } : {}),
            ...(a.groups !== 1 ? { groups: a.groups as number } : {}),
          };
          return { inputs: a.bias ? [a.x, a.weight, a.bias] : [a.x, a.weight], attrs };
        },
      },
    ],
    shape: ([x, w, b]: TT[], attrs) => {
      const r = n + 2;
      if (x.shape.length !== r) return { code: "rank_mismatch", args: [name, String(r), String(x.shape.length)] };
      if (w.shape.length !== r)
        return { code: "rank_mismatch", args: [`the weight of ${name}`, String(r), String(w.shape.length)] };
      if (x.dtype !== "f32" || w.dtype !== "f32") return { code: "dtype_mismatch", args: [name, x.dtype, w.dtype] };
      const g = attrs.groups ?? 1;
      if (!P.equal(x.shape[1], P.scale(w.shape[1], g)))
        return mismatch(`${name} (x's channels vs the weight's [O, C${g > 1 ? ` / ${g} groups` : ""}, ...])`, x, w);
      const o = P.asConstant(w.shape[0]);
      if (g > 1 && (o === undefined || o % g !== 0))
        return { code: "bad_groups", args: [op, g, "out channels", P.format(w.shape[0])] };
      if (b && (b.shape.length !== 1 || !P.equal(b.shape[0], w.shape[0]))) return mismatch(`${name} (bias)`, b, w);
      const dilation = attrs.dilation ?? ones;
      const spatial: P.Poly[] = [];
      for (let i = 0; i < n; i++) {
        const size = outSize(x.shape[2 + i], w.shape[2 + i], attrs.stride[i], attrs.padding[i], dilation[i]);
        if (!size)
          return {
            code: "bad_operand",
            args: [
              name,
              `the spatial size ${P.format(x.shape[2 + i])} with kernel ${P.format(w.shape[2 + i])} ` +
                `and stride ${attrs.stride[i]} (give numbers, or a size the stride divides)`,
            ],
            needsSizes: true,
          };
        const c = P.asConstant(size);
        if (c !== undefined && c < 1)
          return { code: "conv_empty", args: [op, showShape(x.shape), showShape(w.shape), i] };
        spatial.push(size);
      }
      return { dtype: x.dtype, shape: [x.shape[0], w.shape[0], ...spatial] };
    },
    shapeText:
      `x [N, C, ${axisNames[n]}], weight [O, C / groups, ${kernelNames[n]}], bias [O] -> [N, O, ...] with out = (in ` +
      `+ 2 p - d (k - 1) - 1) // s + 1 per axis; O divisible by groups; sizes symbolic only where the stride divides`,
    macs: ({ out, args }) => product(out) * product(args[1].slice(1)),
    macsText: `numel(out) * (C / groups) * ${kernelNames[n].split(", ").join(" * ")}`,
    grad: convGrad(n),
    traits: { weight: "conv" },
    semantics:
      `${n}-D cross-correlation in torch's layout (channels first) with an [O, C / groups, ${kernelNames[n]}] ` +
      `weight (torch.nn.functional.${op}): \`stride\`, \`padding\` (zeros, both sides) and \`dilation\` ` +
      `are one number for every axis or a list of ${n}; \`groups\` splits the channels into groups ` +
      `convolved separately (groups = C is depthwise); positions that do not fill a stride are dropped.`,
  });
}

type ConvAttrs = { stride: number[]; padding: number[]; dilation?: number[]; groups?: number };
const num = (d: Dim) => {
  if (typeof d !== "number") throw new Error(`a convolution's gradient needs numeric spatial sizes, got ${d}`);
  return d;
};

/** x padded by `before`/`after` on spatial axis `axis` (negative amounts crop). */
function padOrCrop(d: Grad, x: GV, axis: number, before: number, after: number): GV {
  const pads = (v: number) => x.shape.map((_, i) => (i === axis ? Math.max(v, 0) : 0));
  let y = before > 0 || after > 0 ? d.op("pad", [x], { before: pads(before), after: pads(after), value: 0 }) : x;
  if (before < 0 || after < 0) {
    const len = num(y.shape[axis]) + Math.min(before, 0) + Math.min(after, 0);
    y = d.op("slice", [y], {
      begin: y.shape.map((_, i) => (i === axis ? -Math.min(before, 0) : 0)),
      size: y.shape.map((s, i) => (i === axis ? len : s)),
    });
  }
  return y;
}

/** g with stride - 1 zeros between neighbours along spatial axis `axis`: [.., L, ..] -> [.., (L - 1) s + 1, ..]. */
function dilate(d: Grad, g: GV, axis: number, s: number): GV {
  if (s === 1) return g;
  const L = num(g.shape[axis]);
  const split = [...g.shape.slice(0, axis + 1), 1, ...g.shape.slice(axis + 1)];
  const padded = d.op("pad", [d.reshape(g, split)], {
    before: split.map(() => 0),
    after: split.map((_, i) => (i === axis + 1 ? s - 1 : 0)),
    value: 0,
  });
  const flat = d.reshape(
    padded,
    g.shape.map((x, i) => (i === axis ? L * s : x)),
  );
  return padOrCrop(d, flat, axis, 0, -(s - 1));
}

/**
 * dx: the full correlation of g (dilated by the stride, padded by d (k - 1) - p, plus the rows the stride
 * dropped) with the flipped kernel, its in and out channels swapped per group.
 * dW: the correlation of x (padded) with g, batch and channels swapped, stride and dilation exchanged.
 */
function convGrad(n: number): GradRule<ConvAttrs> {
  return {
    vjp: ({ e, attrs, args, g, needs }) => {
      const d = grad(e);
      const [x, w, b] = args;
      const G = attrs.groups ?? 1;
      const stride = attrs.stride;
      const pad = attrs.padding;
      const dil = attrs.dilation ?? stride.map(() => 1);
      const [N, C, ...S] = x.shape;
      const [O, Cg, ...K] = w.shape.map(num);
      const Sout = g.shape.slice(2).map(num);
      const sp = [...Array(n).keys()];
      const conv = `conv${n}d`;
      let dx: GV | undefined;
      if (needs[0]) {
        const wt = d.reshape(d.transpose(d.reshape(w, [G, O / G, Cg, ...K]), [0, 2, 1, ...sp.map((i) => i + 3)]), [
          num(C),
          O / G,
          ...K,
        ]);
        const flipped = d.op("flip", [wt], { axes: sp.map((i) => i + 2) });
        let gd = g;
        for (const i of sp) {
          const q = dil[i] * (K[i] - 1) - pad[i];
          const dropped = num(S[i]) + 2 * pad[i] - dil[i] * (K[i] - 1) - 1 - (Sout[i] - 1) * stride[i];
          gd = padOrCrop(d, dilate(d, gd, i + 2, stride[i]), i + 2, q, q + dropped);
        }
        dx = d.op(conv, [gd, flipped], {
          stride: sp.map(() => 1),
          padding: sp.map(() => 0),
          ...(dil.some((v) => v !== 1) ? { dilation: dil } : {}),
          ...(G > 1 ? { groups: G } : {}),
        });
      }
      let dw: GV | undefined;
      if (needs[1]) {
        let xp = x;
        for (const i of sp) xp = padOrCrop(d, xp, i + 2, pad[i], pad[i]);
        const Sp = xp.shape.slice(2);
        const lhs = d.reshape(d.transpose(d.reshape(xp, [N, G, Cg, ...Sp]), [2, 1, 0, ...sp.map((i) => i + 3)]), [
          Cg,
          mulDim(G, N),
          ...Sp,
        ]);
        const rhs = d.reshape(d.transpose(d.reshape(g, [N, G, O / G, ...Sout]), [1, 2, 0, ...sp.map((i) => i + 3)]), [
          O,
          N,
          ...Sout,
        ]);
        const full = d.op(conv, [lhs, rhs], {
          stride: dil,
          padding: sp.map(() => 0),
          ...(stride.some((v) => v !== 1) ? { dilation: stride } : {}),
          ...(G > 1 ? { groups: G } : {}),
        });
        const cut = full.shape.slice(2).some((s, i) => num(s) !== K[i])
          ? d.op("slice", [full], { begin: full.shape.map(() => 0), size: [Cg, O, ...K] })
          : full;
        dw = d.transpose(cut, [1, 0, ...sp.map((i) => i + 2)]);
      }
      const db = b && needs[2] ? d.sum(g, [0, ...sp.map((i) => i + 2)]) : undefined;
      return [dx, dw, db];
    },
  };
}
const mulDim = (k: number, d: Dim): Dim => P.dimToIr(P.scale(P.parse(d), k));

export const conv1d = convOp(1);
export const conv2d = convOp(2);
export const conv3d = convOp(3);
