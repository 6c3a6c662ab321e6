/**
 * The std half of docs/primitives.md: per block of std.mdl, its hyperparameters, forward signature,
 * parameters with their symbolic shapes, sub-modules, the parameter count as a formula, and the
 * parameters and MACs of one example instance, compiled and costed by the compiler itself (so the
 * figures cannot drift from what `mdl summary` reports). Every std block needs an example below:
 * a new block without one makes generation, and so test/ir/primitives-doc.test.ts, fail.
 */
import type * as A from "../../compiler/1-syntax/ast.ts";
import { parseSource } from "../../compiler/1-syntax/parse.ts";
import { memoryHost } from "../../compiler/2-resolve/host.ts";
import { analyze } from "../../compiler/4-ir/analyze.ts";
import { compile } from "../../compiler/compile.ts";
import { renderAll } from "../../compiler/diagnostics/render.ts";
import { STD_SOURCE } from "../../compiler/std/std-source.ts";

/** One instance per block: the call, and the input it is costed on (batch 1). */
const EXAMPLES: Record<string, { call: string; input: string }> = {
  Linear: { call: "Linear(512, 2048)", input: "f32[1, 50, 512]" },
  LayerNorm: { call: "LayerNorm(512)", input: "f32[1, 50, 512]" },
  QuickGELU: { call: "QuickGELU()", input: "f32[1, 50, 512]" },
  GELU: { call: "GELU()", input: "f32[1, 50, 512]" },
  ReLU: { call: "ReLU()", input: "f32[1, 50, 512]" },
  Dropout: { call: "Dropout(0.1)", input: "f32[1, 50, 512]" },
  Identity: { call: "Identity()", input: "f32[1, 50, 512]" },
  MLP: { call: "MLP(512, 2048)", input: "f32[1, 50, 512]" },
  Embedding: { call: "Embedding(49408, 512)", input: "i64[1, 77]" },
  Conv2d: { call: "Conv2d(3, 768, 32, stride: 32, has_bias: false)", input: "f32[1, 3, 224, 224]" },
  Conv1d: { call: "Conv1d(512, 512, 3, padding: 1, groups: 512)", input: "f32[1, 512, 8]" },
  Conv3d: {
    call: "Conv3d(3, 768, 16, kernel_t: 2, stride: 16, stride_t: 2, has_bias: false)",
    input: "f32[1, 3, 8, 224, 224]",
  },
  MultiheadAttention: { call: "MultiheadAttention(512, 8)", input: "f32[1, 50, 512]" },
  ResidualAttentionBlock: { call: "ResidualAttentionBlock(512)", input: "f32[1, 50, 512]" },
  MeanPool: { call: "MeanPool(8, 512)", input: "f32[1, 8, 512]" },
};

export interface StdBlockRef {
  name: string;
  doc: string;
  hyper: string;
  forward: string;
  params: string[];
  members: string[];
  count: string;
  example: { call: string; input: string; params: number; macs: number };
}

const squash = (s: string) =>
  s.replace(/\s+/g, " ").replace(/\( /g, "(").replace(/,? \)/g, ")").replace(/\[ /g, "[").replace(/,? \]/g, "]").trim();

/** A dim expression as a factor of a product: bracketed unless it is one name or number. */
const factor = (t: string) => (/^[\w.]+$/.test(t) ? t : `(${t})`);

/** Every std block, from the parsed std.mdl (texts are the source's own, whitespace squashed). */
export function stdReference(source = STD_SOURCE): StdBlockRef[] {
  const text = (n: { span: { start: number; end: number } }) => squash(source.slice(n.span.start, n.span.end));
  const parsed = parseSource("std", source);
  const blocks = parsed.value.decls.filter((d): d is A.BlockDecl => d.kind === "Block");
  return blocks.map((b) => {
    const own = b.members.filter((m): m is A.ParamMember => m.kind === "ParamMember");
    const subs = b.members.filter((m): m is A.SubModule => m.kind === "SubModule");
    const fwd = b.members.find((m): m is A.ForwardDecl => m.kind === "Forward");
    const terms = [
      ...own.map(
        (p) => `${p.type.dims.map((d) => factor(text(d))).join(" * ") || "1"}${p.cond ? ` [if ${text(p.cond)}]` : ""}`,
      ),
      ...subs.map((s) => `params(${s.path.map((p) => p.name).join(".")})`),
    ];
    const out = fwd ? fwd.outputs.map((o) => (o.name ? `${o.name.name}: ${text(o.type)}` : text(o.type))) : [];
    return {
      name: b.name.name,
      doc: docAbove(source, b.span.start),
      hyper: b.params.map(text).join(", "),
      forward: fwd
        ? `(${fwd.inputs.map(text).join(", ")}) -> ${fwd.tupleOutputs ? `(${out.join(", ")})` : out[0]}`
        : "",
      params: own.map(
        (p) =>
          `${p.name.name}: ${text(p.type)}${p.init ? ` = ${text(p.init)}` : ""}${p.cond ? ` if ${text(p.cond)}` : ""}`,
      ),
      members: subs.map((s) => `${s.path.map((p) => p.name).join(".")} = ${text(s.module)}`),
      count: terms.join(" + ") || "0",
      example: example(b.name.name),
    };
  });
}

/** The `#` comment lines right above a declaration. */
function docAbove(source: string, start: number): string {
  const lines = source.slice(0, start).split("\n").slice(0, -1);
  const doc: string[] = [];
  for (let i = lines.length - 1; i >= 0 && lines[i].startsWith("#"); i--) doc.unshift(lines[i].replace(/^#\s?/, ""));
  return doc.join(" ");
}

function example(name: string): StdBlockRef["example"] {
  const ex = EXAMPLES[name];
  if (!ex) throw new Error(`std block ${name} has no example in src/tools/docs/std-blocks.ts; add one`);
  const file = "example.mdl";
  const src = `import { ${name} } from "std"\nmodel Example {\n  m = ${ex.call}\n  forward(x: ${ex.input}) -> [...] {\n    return m(x)\n  }\n}\n`;
  const r = compile(file, memoryHost({ [file]: src }));
  if (!r.value) throw new Error(`the example of std block ${name} does not compile:\n${renderAll(r.diagnostics)}`);
  const { total } = analyze(r.value);
  return { ...ex, params: total.params, macs: total.macs };
}
