/** Leaves: the graph's inputs, the parameters and scalar constants. Their type is the node's own. */
import * as z from "zod/v4";
import { defineOp } from "./types.ts";

const leaf = {
  operands: "",
  builtins: [],
  dims: [],
  shape: null,
  shapeText: "the node's declared type",
  macs: 0,
  macsText: "0",
  grad: {
    nondifferentiable: "a leaf: the gradient pass collects cotangents at parameters, it does not propagate past leaves",
  },
} as const;

export const input = defineOp({
  ...leaf,
  attrs: z.object({ name: z.string() }),
  semantics:
    "A model input, bound by name when the graph runs; its batch symbols (B, K, ...) are bound from the given tensor's shape.",
});

export const param = defineOp({
  ...leaf,
  attrs: z.object({ path: z.string() }),
  semantics: "A parameter, read by its state-dict key (`path`), which names an entry of the IR's parameter list.",
});

export const constant = defineOp({
  ...leaf,
  syntax: "a number beside a tensor",
  attrs: z.object({ value: z.number() }),
  semantics: "A scalar constant of the node's dtype; numbers written beside a tensor in arithmetic become one.",
});
