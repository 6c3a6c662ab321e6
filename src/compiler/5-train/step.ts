/**
 * The training step as an IR program: the model's forward, label-smoothed cross-entropy on its logits,
 * the backward pass (backward.ts) to the trained parameters, and AdamW with decoupled weight decay per
 * parameter group (PyTorch's torch.optim.AdamW). Any engine that runs an IR runs it; nothing about it is
 * specific to one. Gradient accumulation splits it in two programs: `accumulate` adds a micro-batch's
 * gradients to the running sums, `update` (the last micro-batch) adds its own, averages and steps.
 *
 * Ports (names from `stepPorts`):
 * - in: the model's inputs it still reads, `labels` i32 [B]; with `mix`, `mix_labels` i32 [B] and `mix_lambda` f32 []
 *   (mixup/cutmix: the target is mix_lambda one_hot(labels) + (1 - mix_lambda) one_hot(mix_labels), smoothed);
 *   with `carry`, `grad.<path>` (the sums so far);
 *   for `update`, `lr` (the scheduled base rate), `bias1` = 1 - beta1^t and `bias2_sqrt` = sqrt(1 - beta2^t)
 *   (t the update's 1-based count), and the moments `exp_avg.<path>`, `exp_avg_sq.<path>`;
 * - out: `loss` (the micro-batch's mean), then `next.grad.<path>` (accumulate) or `next.<path>`,
 *   `next.exp_avg.<path>`, `next.exp_avg_sq.<path>` (update): every state the step updates leaves as
 *   `next.<its input>` (ONNX forbids an output named like an input).
 * Parameters stay `param` nodes: the engine binds their current values, and writes `next.<path>` back.
 */
import type { ModelIR, Port } from "../0-core/schema.ts";
import { invariant } from "../diagnostics/diagnostic.ts";
import { grad as gradOps } from "../ops/grad.ts";
import type { GV } from "../ops/types.ts";
import { backward } from "./backward.ts";
import { GraphBuilder } from "./emit.ts";
import { pruneIr } from "./prune.ts";
import { recomputePlan } from "../4-ir/recompute.ts";
import { recomputeSegments } from "./recompute.ts";

export interface StepGroup {
  paths: readonly string[];
  lrScale: number;
  weightDecay: number;
}

export interface StepSettings {
  /** The trained parameters by group; every other parameter is frozen (no backward work reaches it). */
  groups: readonly StepGroup[];
  /** Label smoothing: the target is (1 - s) one_hot + s / K. */
  smoothing: number;
  adam: { beta1: number; beta2: number; eps: number };
  /** Micro-batches per update (default 1): `update` divides the summed gradients by it. */
  accum?: number;
  /**
   * `update` (default): gradients of the last micro-batch (plus the carried sums), then AdamW; `accumulate`: the
   * gradients only; `apply`: AdamW alone on gradients that come in as `grad.<path>` (the sums of an
   * accumulate program), which keeps the optimizer's temporaries out of the backward pass's memory.
   */
  phase?: "accumulate" | "update" | "apply";
  /** Whether gradient sums of earlier micro-batches come in (every micro-batch but the first). */
  carry?: boolean;
  /** The output holding the logits [B, K] (default `logits`). */
  logits?: string;
  /**
   * Mixed targets (mixup, cutmix): inputs `mix_labels` and `mix_lambda` make the target a blend of two one-hots
   * before smoothing, which is the official soft-target cross-entropy (it is linear in the target). Off, the
   * step is exactly the one-label step.
   */
  mix?: boolean;
}

export const stepPorts = {
  labels: "labels",
  mixLabels: "mix_labels",
  mixLambda: "mix_lambda",
  lr: "lr",
  bias1: "bias1",
  bias2Sqrt: "bias2_sqrt",
  loss: "loss",
  grad: (path: string) => `grad.${path}`,
  avg: (path: string) => `exp_avg.${path}`,
  avgSq: (path: string) => `exp_avg_sq.${path}`,
  next: (name: string) => `next.${name}`,
};

export function buildTrainStep(ir: ModelIR, s: StepSettings): ModelIR {
  const phase = s.phase ?? "update";
  if (phase === "apply") return buildApply(ir, s);
  const logitsPort = ir.graph.outputs.find((o) => o.name === (s.logits ?? "logits"));
  invariant(logitsPort, `${ir.model} has no output \`${s.logits ?? "logits"}\``);
  const b = new GraphBuilder(ir.graph.nodes);
  const d = gradOps(b);
  const { inputs, outputs, input, output } = portsOf(b, ir.graph.inputs);

  // loss = mean over the batch of -((1 - s) log p[label] + s mean_k log p[k])
  const logits = b.value(logitsPort.value);
  invariant(logits.shape.length === 2 && logits.dtype === "f32", "the logits must be f32 [B, K]");
  const [B, K] = logits.shape;
  const labels = input(stepPorts.labels, "i32", [B]);
  b.scope = "";
  const logp = d.op("log_softmax", [logits], { axis: -1 });
  const picked = d.sum(d.mul(target(d, s.mix ? input : undefined, labels, B, K), logp), [1]);
  const spread = d.mean(logp, [1]);
  const perExample = d.add(d.mul(picked, d.k(s.smoothing - 1)), d.mul(spread, d.k(-s.smoothing)));
  const loss = d.mean(perExample, [0]);
  output(stepPorts.loss, loss);

  // the trained parameters' nodes (a path read twice has two) and their summed cotangents
  const trained = new Set(s.groups.flatMap((g) => g.paths));
  const nodesOf = new Map<string, number[]>();
  for (const n of ir.graph.nodes)
    if (n.op === "param" && trained.has(n.attrs.path))
      nodesOf.set(n.attrs.path, [...(nodesOf.get(n.attrs.path) ?? []), n.id]);
  const cts = backward(b, loss.id, new Set([...nodesOf.values()].flat()));
  b.scope = "";
  const gradOf = (path: string): GV => {
    const ids = nodesOf.get(path) ?? [];
    const parts = ids.flatMap((id) => (cts.has(id) ? [cts.get(id)!] : []));
    const shape = ir.params.find((p) => p.path === path)!.shape;
    let g = parts.length ? parts.reduce((x, y) => d.add(x, y)) : d.zeros(shape);
    if (s.carry) g = d.add(input(stepPorts.grad(path), "f32", shape), g);
    return g;
  };

  // Each parameter's gradient, in the order the backward pass makes them (the last layer's first). The updates
  // and outputs follow that order, so an engine that schedules from the outputs (ONNX Runtime walks back from
  // them) frees each layer's cotangents as soon as its parameters are updated instead of holding them all.
  const grads = [...trained].map((path) => ({ path, g: gradOf(path) })).sort((x, y) => x.g.id - y.g.id);
  if (phase === "accumulate") {
    for (const { path, g } of grads) output(stepPorts.next(stepPorts.grad(path)), g);
    return pruneIr(withPorts(ir, b, inputs, outputs));
  }
  const pOf = (path: string, shape: number[]) => b.value(nodesOf.get(path)?.[0] ?? paramNode(b, path, shape));
  adamw(
    b,
    s,
    input,
    output,
    grads.map(({ path, g }) => ({ path, g, p: pOf(path, shapeOf(ir, path)) })),
  );
  return pruneIr(withPorts(ir, b, inputs, outputs));
}

/** one_hot(labels), or with mixing lambda one_hot(labels) + (1 - lambda) one_hot(mix_labels). */
function target(
  d: ReturnType<typeof gradOps>,
  mixInput: InputFn | undefined,
  labels: GV,
  B: number | string,
  K: number | string,
): GV {
  const hot = d.op("one_hot", [labels], { depth: K });
  if (!mixInput) return hot;
  const other = d.op("one_hot", [mixInput(stepPorts.mixLabels, "i32", [B])], { depth: K });
  const lambda = mixInput(stepPorts.mixLambda, "f32", []);
  return d.add(other, d.mul(d.sub(hot, other), lambda));
}

const shapeOf = (ir: ModelIR, path: string): number[] => {
  const p = ir.params.find((x) => x.path === path);
  invariant(p, `no parameter ${path} to train`);
  return p.shape;
};

/**
 * AdamW (PyTorch's, decoupled decay) on each trained parameter p with gradient sum g: inputs `lr`, `bias1`,
 * `bias2_sqrt` and the moments; outputs `next.<path>` and the moments' next values. `accum` > 1 averages g.
 */
function adamw(
  b: GraphBuilder,
  s: StepSettings,
  input: InputFn,
  output: OutputFn,
  params: { path: string; g: GV; p: GV }[],
): void {
  const d = gradOps(b);
  const accum = s.accum ?? 1;
  const lr = input(stepPorts.lr, "f32", []);
  const bias1 = input(stepPorts.bias1, "f32", []);
  const bias2Sqrt = input(stepPorts.bias2Sqrt, "f32", []);
  const { beta1, beta2, eps } = s.adam;
  const groupOf = new Map(s.groups.flatMap((group) => group.paths.map((path) => [path, group] as const)));
  // per group: 1 - rate * decay and rate / bias1, made once
  const scalars = new Map<StepGroup, { decay?: GV; stepSize: GV }>();
  const scalarsOf = (group: StepGroup) => {
    let k = scalars.get(group);
    if (!k) {
      const rate = d.mul(lr, d.k(group.lrScale));
      k = {
        decay: group.weightDecay ? d.sub(d.k(1), d.mul(rate, d.k(group.weightDecay))) : undefined,
        stepSize: d.div(rate, bias1),
      };
      scalars.set(group, k);
    }
    return k;
  };
  let previous: GV | undefined;
  for (const { path, g: sum, p } of params) {
    b.scope = "";
    const { decay, stepSize } = scalarsOf(groupOf.get(path)!);
    const g = after(d, previous, accum > 1 ? d.mul(sum, d.k(1 / accum)) : sum);
    // Written so that every node with a parameter-sized value reads g: an engine that runs whatever is ready
    // first would otherwise compute m * beta1, v * beta2 and p * decay for every parameter at the start and
    // hold them all. The same update as PyTorch's, rounded in another order:
    // m + (g - m)(1 - beta1), v + (g^2 - v)(1 - beta2), decay (p - step / decay * m / denom).
    const mIn = input(stepPorts.avg(path), "f32", p.shape);
    const vIn = input(stepPorts.avgSq(path), "f32", p.shape);
    const m = d.add(mIn, d.mul(d.sub(g, mIn), d.k(1 - beta1)));
    const v = d.add(vIn, d.mul(d.sub(d.mul(g, g), vIn), d.k(1 - beta2)));
    const denom = d.add(d.div(d.sqrt(v), bias2Sqrt), d.k(eps));
    const next = decay
      ? d.mul(d.sub(p, d.mul(d.div(m, denom), d.div(stepSize, decay))), decay)
      : d.sub(p, d.mul(d.div(m, denom), stepSize));
    output(stepPorts.next(path), next);
    output(stepPorts.next(stepPorts.avg(path)), m);
    output(stepPorts.next(stepPorts.avgSq(path)), v);
    previous = next;
  }
}

/**
 * x, made to depend on `previous` (an ordering token, as JAX's optimization barriers): x + (e > e) for one entry e
 * of `previous`, which is 0 exactly, NaN included. An engine that runs whatever is ready first (ONNX Runtime does)
 * would otherwise start every parameter's update at once and hold all their temporaries: 5 GB more on B/32,
 * and slower. The chain costs one elementwise pass per parameter.
 */
function after(d: ReturnType<typeof gradOps>, previous: GV | undefined, x: GV): GV {
  if (!previous) return x;
  const one = d.op("slice", [previous], { begin: previous.shape.map(() => 0), size: previous.shape.map(() => 1) });
  const e = d.reshape(one, []);
  return d.add(x, d.f32(d.greater(e, e)));
}

type InputFn = (name: string, dtype: "f32" | "i32", shape: (number | string)[]) => GV;
type OutputFn = (name: string, v: GV) => void;

/** The program's ports as they are added: `input` makes an input node, `output` names a value. */
function portsOf(
  b: GraphBuilder,
  first: readonly Port[],
): { inputs: Port[]; outputs: Port[]; input: InputFn; output: OutputFn } {
  const inputs = [...first];
  const outputs: Port[] = [];
  const input: InputFn = (name, dtype, shape) => {
    b.scope = "";
    const v = b.input(name, dtype, shape);
    inputs.push({ name, value: v.id, type: { dtype, shape } });
    return v;
  };
  return {
    inputs,
    outputs,
    input,
    output: (name, v) => void outputs.push({ name, value: v.id, type: { dtype: v.dtype, shape: v.shape } }),
  };
}

/** The `apply` phase: AdamW alone, its gradients as inputs `grad.<path>`, the parameters as param nodes. */
function buildApply(ir: ModelIR, s: StepSettings): ModelIR {
  const b = new GraphBuilder([]);
  const { inputs, outputs, input, output } = portsOf(b, []);
  const params = s.groups.flatMap((group) =>
    group.paths.map((path) => {
      const shape = shapeOf(ir, path);
      return { path, g: input(stepPorts.grad(path), "f32", shape), p: b.value(paramNode(b, path, shape)) };
    }),
  );
  adamw(b, s, input, output, params);
  const modules = [{ path: "", block: `${ir.model}.adamw`, hyper: {}, params: [], children: [] }];
  return pruneIr({
    ...ir,
    model: `${ir.model}.adamw`,
    symbols: [],
    modules,
    graph: { inputs, outputs, nodes: b.nodes, calls: [] },
  });
}

/** A node reading a trained parameter the forward never reads (its gradient is zero; AdamW still decays it). */
function paramNode(b: GraphBuilder, path: string, shape: number[]): number {
  const id = b.nodes.length;
  b.nodes.push({ id, op: "param", args: [], attrs: { path }, type: { dtype: "f32", shape }, scope: "" });
  return id;
}

/** The step with its ports, the recompute-marked modules' inner values recomputed for the backward pass. */
function withPorts(ir: ModelIR, b: GraphBuilder, inputs: Port[], outputs: Port[]): ModelIR {
  const step = {
    ...ir,
    model: `${ir.model}.train_step`,
    graph: { inputs, outputs, nodes: b.nodes, calls: ir.graph.calls },
  };
  return recomputeSegments(step, recomputePlan(ir), ir.graph.nodes.length);
}
