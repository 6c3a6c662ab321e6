/**
 * The primitive ops a forward body may call, with their signatures, for completion. The one place the
 * language server reads the op list: when it moves into an op table, only this accessor changes.
 */
import { builtinNames, builtinParams } from "../compiler/3-check/builtins.ts";

export interface OpSignature {
  name: string;
  signature: string;
}

export function primitiveOps(): OpSignature[] {
  return builtinNames.map((name) => {
    const params = (builtinParams(name) ?? []).map(([p, kind, def]) => `${p}: ${kind}${def !== undefined ? ` = ${JSON.stringify(def)}` : ""}`);
    return { name, signature: `${name}(${params.join(", ")})` };
  });
}
