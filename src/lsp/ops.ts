/**
 * The primitive ops a forward body may call, with their signatures, for completion. The one place the
 * language server reads the op list (the op table's builtins, through 3-check/builtins.ts).
 */
import { builtinNames, builtinParams } from "../compiler/3-check/builtins.ts";

export interface OpSignature {
  name: string;
  signature: string;
}

export function primitiveOps(): OpSignature[] {
  return builtinNames.map((name) => {
    const params = (builtinParams(name) ?? []).map(
      (p) =>
        `${p.name}: ${p.kind}${p.scalar ? " | number" : ""}${p.default !== undefined && p.default !== null ? ` = ${JSON.stringify(p.default)}` : ""}`,
    );
    return { name, signature: `${name}(${params.join(", ")})` };
  });
}
