/** The op table in words: signatures and attribute schemas as text, for docs/primitives.md and test/ir/ops.txt. */
import type * as z from "zod/v4";
import { opDef, opNames, traitsOf, type OpName } from "./table.ts";
import type { BuiltinParam } from "./types.ts";

/** A zod schema as a short type text: `int`, `[int, int]`, `Dim[]`, `f32|i64|i32|bool`, `= default`. */
export function schemaText(s: z.ZodType): string {
  const def = (s as unknown as { _zod: { def: Record<string, any> } })._zod.def;
  switch (def.type) {
    case "number":
      return (s as unknown as { isInt: boolean }).isInt ? "int" : "number";
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "array":
      return `${schemaText(def.element)}[]`;
    case "union":
      return def.options.map(schemaText).join(" | ");
    case "enum":
      return Object.values(def.entries).join("|");
    case "default":
      return `${schemaText(def.innerType)} = ${JSON.stringify(def.defaultValue)}`;
    case "pipe":
      return `${schemaText(def.in)} (one per axis)`;
    case "optional":
      return `${schemaText(def.innerType)}?`;
    case "object": {
      const fields = Object.entries(def.shape as Record<string, z.ZodType>).map(([k, v]) => `${k}: ${schemaText(v)}`);
      return fields.length ? `{ ${fields.join(", ")} }` : "{}";
    }
  }
  throw new Error(`schemaText: no text for a zod ${def.type}`);
}

const paramText = (p: BuiltinParam) =>
  `${p.name}: ${p.kind}${p.default === undefined ? "" : ` = ${p.default === null ? (p.defaultText ?? "none") : JSON.stringify(p.default)}`}`;

/** The ways a forward body writes the op: its builtins' signatures and its operator, if any. */
export function signatures(op: OpName): string[] {
  const d = opDef(op);
  return [
    ...(d.syntax ? [d.syntax] : []),
    ...d.builtins.map((b) => `${b.name}(${b.params.map(paramText).join(", ")})`),
  ];
}

export interface OpSummary {
  op: OpName;
  operands: string;
  signatures: string[];
  attrs: string;
  shape: string;
  macs: string;
  semantics: string;
  /** The traits passes ask for, e.g. "pointwise, stochastic" or "lastAxis, weight: linear"; empty when none. */
  traits: string;
  /** Whether the op carries a reference decomposition into other ops of the table. */
  decomposes: boolean;
}

const traitsText = (op: OpName) =>
  Object.entries(traitsOf(op))
    .map(([k, v]) => (v === true ? k : `${k}: ${v}`))
    .join(", ");

export function describeOps(): OpSummary[] {
  return opNames.map((op) => {
    const d = opDef(op);
    return {
      op,
      operands: d.operands,
      signatures: signatures(op),
      attrs: schemaText(d.attrs),
      shape: d.shapeText,
      macs: d.macsText,
      semantics: d.semantics,
      traits: traitsText(op),
      decomposes: Boolean(d.decompose),
    };
  });
}
