/**
 * The op table, op by op: signatures, attribute schema, shape rule, cost, semantics and the back
 * ends that run it (golden test/ir/ops.txt). An entry missing any part, or a back end whose kernel
 * table lacks an op without a reasoned `{ unsupported }`, fails here.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { compile } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { analyze } from "../../src/compiler/4-ir/analyze.ts";
import { describeOps } from "../../src/compiler/ops/describe.ts";
import { coverage, kernelFor, type Coverage, type KernelTable } from "../../src/compiler/ops/kernels.ts";
import { opDef, opNames, type OpName } from "../../src/compiler/ops/table.ts";
import { opVjpIr } from "../../src/compiler/5-train/op-vjp.ts";
import type { TensorType } from "../../src/compiler/0-core/schema.ts";
import { kernelTables } from "../../src/runtime/kernel-tables.ts";
import { expectGolden } from "../helpers/golden.ts";

const leaves = ["input", "param", "const"];
const f32 = (...shape: number[]): TensorType => ({ dtype: "f32", shape });
/** Ops no source writes, each with an op (operands, attributes) whose gradient graph holds it. */
const fromGradients: Partial<Record<OpName, [OpName, TensorType[], Record<string, unknown>]>> = {
  attention_probs: ["attention", [f32(2, 3, 4), f32(2, 5, 4), f32(2, 5, 6)], { scale: 0.5, causal: false }],
};

test("every op has semantics, a shape rule (none only for leaves), a cost and an attribute schema", () => {
  for (const op of opNames) {
    const d = opDef(op);
    assert.ok(d.semantics.trim().length > 5, `${op}: semantics`);
    assert.ok(d.shapeText, `${op}: shape rule text`);
    assert.ok(d.macsText, `${op}: cost text`);
    assert.ok(d.macs === 0 || typeof d.macs === "function", `${op}: cost`);
    assert.is(d.shape === null, leaves.includes(op), `${op}: shape rule`);
    assert.ok(d.attrs && typeof d.attrs.safeParse === "function", `${op}: attribute schema`);
    for (const k of d.dims) assert.ok(k in d.attrs.shape, `${op}: dim attribute ${k} is not in its schema`);
    // every computed op is reachable: from mdl source (a builtin, or an operator), or from a gradient
    if (!leaves.includes(op))
      assert.ok(
        d.builtins.length > 0 || d.syntax || fromGradients[op],
        `${op}: no builtin, no syntax and no gradient that emits it`,
      );
  }
});

test("an op only gradients emit is in the gradient graph of the op named for it", () => {
  for (const [op, [by, args, attrs]] of Object.entries(fromGradients)) {
    const ops = opVjpIr(by, args, attrs).graph.nodes.map((n) => n.op);
    assert.ok(ops.includes(op as OpName), `${op} is not in ${by}'s gradient graph: ${ops.join(" ")}`);
  }
});

test("a kernel table missing an op (built outside the type checker's view) names the op, not 'not a function'", () => {
  const partial = { relu: () => 1 } as unknown as KernelTable<[], number>;
  assert.equal(kernelFor(partial, "softmax"), { unsupported: "the kernel table has no entry for `softmax`" });
  assert.type(kernelFor(partial, "relu"), "function");
});

test("builtin names are unique across the table", () => {
  const names = opNames.flatMap((op) => opDef(op).builtins.map((b) => b.name));
  assert.equal(names.length, new Set(names).size, names.join(", "));
});

test("op table listing with the back ends that implement each op (test/ir/ops.txt)", async () => {
  const backends: [string, Record<OpName, Coverage>][] = [];
  for (const [name, load] of Object.entries(kernelTables)) backends.push([name, coverage(await load())]);
  const lines: string[] = [];
  for (const s of describeOps()) {
    lines.push(`${s.op}(${s.operands})`);
    for (const sig of s.signatures) lines.push(`  written   ${sig}`);
    lines.push(`  attrs     ${s.attrs}`);
    lines.push(`  shape     ${s.shape}`);
    lines.push(`  macs      ${s.macs}`);
    if (s.traits) lines.push(`  traits    ${s.traits}`);
    if (opDef(s.op).decompose) lines.push(`  decomposes into other ops`);
    for (const [name, cov] of backends) {
      const c = cov[s.op];
      lines.push(`  ${name.padEnd(9)} ${typeof c === "string" ? c : `unsupported: ${c.unsupported}`}`);
    }
  }
  expectGolden(lines.join("\n"), "test/ir/ops.txt");
});

test("a numeric function of a tensor evaluates its argument once: exp(linear(x, w)) is one linear, 32 MACs", () => {
  const file = "test/ir/samples/numeric-of-tensor/input.mdl";
  const r = compile(file, memoryHost({ [file]: readFileSync(file, "utf8") }));
  assert.ok(r.value, r.diagnostics.map((d) => d.message).join("; "));
  const ir = r.value!;
  // exp(linear) and log(abs(linear)) are returned; sqrt(linear) is not, so it is not in the IR
  assert.is(ir.graph.nodes.filter((n) => n.op === "linear").length, 2);
  assert.is(analyze(ir).total.macs, 2 * 4 * 8);
});
test.run();
