/**
 * The IR's text form, for `mdl ir` and golden tests: short, stable, reviewable in a diff.
 *   model XCLIP (ir 1) preset B/32
 *   hyper  embed: int = 512 (default) ...
 *   params visual.conv1.weight: f32[768, 3, 32, 32] ~ trunc_normal(0.02)
 *   train  lr * 10: mit
 *   { lambda video:f32[B, 8, 3, 224, 224] text:i64[K, 77] .
 *     let %7:f32[8*B, 768, 7, 7] = conv2d %5 %6 stride=[32, 32] padding=[0, 0]   # visual.conv1
 *     in ( logits=%912 ) }
 */
import type { ModelIR, Node, TensorType } from "../0-core/schema.ts";

const typeText = (t: TensorType) => `${t.dtype}[${t.shape.join(", ")}]`;
const attrText = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(attrText).join(", ")}]`
    : typeof v === "number"
      ? String(Number(v.toPrecision(6)))
      : String(v);

export function printNode(n: Node): string {
  const attrs = Object.entries(n.attrs)
    .filter(([k]) => !(n.op === "input" && k === "name"))
    .map(([k, v]) => (n.op === "param" || n.op === "const" ? attrText(v) : `${k}=${attrText(v)}`));
  const rhs = [n.op, ...(n.op === "input" ? [String(n.attrs.name)] : []), ...n.args.map((a) => `%${a}`), ...attrs].join(
    " ",
  );
  return `%${n.id}:${typeText(n.type)} = ${rhs}${n.scope ? `   # ${n.scope}` : ""}`;
}

export function printIr(ir: ModelIR, opts: { graph?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(`model ${ir.model} (ir ${ir.irVersion})${ir.preset ? ` preset ${ir.preset}` : ""}`);
  lines.push("hyper");
  for (const h of ir.hyper)
    lines.push(`  ${h.name}: ${h.type} = ${h.value} (${h.source}${h.origin ? ` ${h.origin}` : ""})`);
  lines.push("modules");
  const byPath = new Map(ir.modules.map((m) => [m.path, m]));
  const walk = (path: string, depth: number) => {
    const m = byPath.get(path)!;
    const hyper = Object.entries(m.hyper)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    const tags = [
      m.optional ? "optional" : "",
      m.recompute ? "recompute" : "",
      m.replaced ? `replaced ${m.replaced.from} -> ${m.replaced.by}` : "",
    ]
      .filter(Boolean)
      .join(", ");
    lines.push(
      `  ${"  ".repeat(depth)}${path || "(model)"}: ${m.block}${hyper ? `(${hyper})` : ""}${tags ? `  [${tags}]` : ""}`,
    );
    for (const c of m.children) walk(c, depth + 1);
  };
  walk("", 0);
  lines.push("params");
  for (const p of ir.params)
    lines.push(
      `  ${p.path}: ${p.dtype}[${p.shape.join(", ")}] ~ ${p.init.kind}(${p.init.args.map((a) => attrText(a)).join(", ")})`,
    );
  if (ir.train) {
    lines.push("train");
    for (const g of ir.train.lr) lines.push(`  lr * ${attrText(g.scale)}: ${g.pattern}`);
  }
  if (opts.graph !== false) {
    const g = ir.graph;
    lines.push(`{ lambda ${g.inputs.map((i) => `${i.name}:${typeText(i.type)}`).join(" ")} .`);
    for (const n of g.nodes) if (n.op !== "input") lines.push(`    let ${printNode(n)}`);
    lines.push(`  in ( ${g.outputs.map((o) => `${o.name}=%${o.value}`).join(" ")} ) }`);
  }
  return lines.join("\n") + "\n";
}
