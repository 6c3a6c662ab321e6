/** The elaborated module tree: one Instance per block use, with bound hyperparameters and parameters. */
import type { ForwardDecl } from "../1-syntax/ast.ts";
import type { Definition } from "../2-resolve/program.ts";
import type { Span } from "../source.ts";
import type { DType, HyperSource, Init } from "../0-core/schema.ts";
import type { Scope, Value } from "./values.ts";

export interface ParamInst {
  name: string;
  key: string; // state-dict key
  shape: Value[]; // whole numbers after checking; syms while binding
  dtype: DType;
  init: Init;
  span: Span;
}

export interface Instance {
  path: string; // instance path, unique; "" for the model
  weightPrefix: string; // prefix of this instance's parameter keys ("visual.transformer.resblocks.0.")
  kind: "block" | "repeat" | "seq" | "namespace";
  blockName: string;
  def?: Definition;
  /** Names visible to the forward body: hyperparameters and lets (static), then members and params. */
  scope: Scope;
  hyper: Map<string, Value>;
  params: Map<string, ParamInst>;
  members: Map<string, Instance | null>; // null: an optional member that is absent
  memberOrder: string[];
  optional: Set<string>;
  forward?: ForwardDecl;
  /** The forwards of a derived block's chain, base first (the last is `forward`); `super(x)` runs the one before. */
  forwards?: ForwardDecl[];
  span: Span;
  replaced?: { from: string; by: string; span: Span };
  /** Declared `recompute`: training recomputes this instance's activations in the backward pass. */
  recompute?: boolean;
}

export interface HyperInfo {
  name: string;
  type: string;
  value: Value;
  source: HyperSource;
  origin?: string;
}
