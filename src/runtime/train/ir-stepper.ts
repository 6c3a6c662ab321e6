/**
 * Training through the compiler's training step (compiler/5-train/step.ts) on any engine: the step's programs
 * compiled once, the parameters and AdamW moments held by the engine between steps. Each run writes the next
 * values into a second set of buffers allocated once, and the two sets swap: nothing is copied per step.
 * With accumulation, `accumulate` programs sum micro-batch gradients the same way and `update` ends the step.
 */
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import { buildTrainStep, stepPorts, type StepSettings } from "../../compiler/5-train/step.ts";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import type { CompiledProgram, Engine, HostF32, Tensor } from "../backend/engine.ts";
import type { HostTensor } from "../weights/tensor.ts";

/** One optimizer step's micro-batches as the loop drives them, whatever computes the gradients. */
export interface Stepper {
  /** Updates made so far. */
  readonly step: number;
  /** The parameters' current values by path (trained and frozen). */
  params(): ReadonlyMap<string, Tensor>;
  /**
   * Micro-batch `j` of `accum`: its inputs (labels included); the last one updates at the scheduled rate `lr`. Its mean loss.
   * The inputs are made afresh for each micro-batch and are the stepper's from then on: it frees any tensors among them.
   */
  micro(inputs: Record<string, Tensor>, j: number, accum: number, lr: number): Promise<number>;
  /** Overwrite a parameter from its torch-layout value (resume); false when the shape is not the parameter's. */
  load(path: string, t: HostTensor): boolean;
  /** The AdamW moments by PyTorch's names, in torch's layout (as the parameters are saved). */
  exportState(): Promise<Map<string, HostF32>>;
  importState(
    step: number,
    tensors: ReadonlyMap<string, { shape: number[]; data: ArrayLike<number> }>,
  ): string[] | Promise<string[]>;
  dispose(): Promise<void>;
}

const zerosLike = (e: Engine, shape: readonly number[]) =>
  e.fromHost({ dtype: "f32", shape: [...shape], data: new Float32Array(shape.reduce((a, d) => a * d, 1)) });

export class IrStepper implements Stepper {
  step = 0;
  private spare = new Map<string, Tensor>();
  private sums = new Map<string, Tensor>();
  /** Gradient-sum buffers not in use, by path: at most two per path (the carried sums and the one written next). */
  private spareSums = new Map<string, Tensor[]>();
  private readonly trained: string[];
  private readonly values: Map<string, Tensor>;
  private readonly paramPaths: string[];

  private constructor(
    private readonly e: Engine,
    private readonly ir: ModelIR,
    private readonly settings: StepSettings,
    params: ReadonlyMap<string, Tensor>,
    /** Inputs the same at every step (the class texts, or their cached features). */
    private readonly constants: Record<string, Tensor>,
    private readonly programs: { update: CompiledProgram; first?: CompiledProgram; middle?: CompiledProgram },
  ) {
    this.trained = settings.groups.flatMap((g) => [...g.paths]);
    this.values = new Map(params);
    this.paramPaths = [...params.keys()];
    const shapeOf = new Map(ir.params.map((p) => [p.path, p.shape]));
    for (const path of this.trained) {
      const shape = shapeOf.get(path)!;
      for (const name of [stepPorts.avg(path), stepPorts.avgSq(path)]) this.values.set(name, zerosLike(e, shape));
      for (const name of [path, stepPorts.avg(path), stepPorts.avgSq(path)]) this.spare.set(name, zerosLike(e, shape));
    }
  }

  /**
   * `params`: every parameter of the model (those the step does not read too, so that checkpoints hold them all).
   * The stepper takes them over: after the first update their tensors may serve as its spare buffers, so the
   * current values are always read through `params()`. `dispose` frees all but those current values.
   */
  static async create(
    e: Engine,
    ir: ModelIR,
    settings: StepSettings,
    params: ReadonlyMap<string, Tensor>,
    constants: Record<string, Tensor> = {},
  ): Promise<IrStepper> {
    const accum = settings.accum ?? 1;
    const build = (phase: "accumulate" | "update", carry: boolean) =>
      e.compile(buildTrainStep(ir, { ...settings, phase, carry }));
    const update = await build("update", accum > 1);
    const first = accum > 1 ? await build("accumulate", false) : undefined;
    const middle = accum > 2 ? await build("accumulate", true) : undefined;
    return new IrStepper(e, ir, settings, params, constants, { update, first, middle });
  }

  params(): ReadonlyMap<string, Tensor> {
    return new Map(this.paramPaths.map((p) => [p, this.values.get(p)!]));
  }

  /** The inputs are freed once the step ran (or failed); the constants given to `create` stay. */
  async micro(inputs: Record<string, Tensor>, j: number, accum: number, lr: number): Promise<number> {
    try {
      return await this.run(inputs, j, accum, lr);
    } finally {
      this.e.dispose(Object.values(inputs));
    }
  }

  private async run(inputs: Record<string, Tensor>, j: number, accum: number, lr: number): Promise<number> {
    invariant(
      accum === (this.settings.accum ?? 1),
      `the step was compiled for ${this.settings.accum ?? 1} micro-batches, not ${accum}`,
    );
    const feeds: Record<string, Tensor> = { ...this.constants, ...inputs };
    for (const [path, t] of this.sums) feeds[stepPorts.grad(path)] = t;
    if (j < accum - 1) {
      const program = j === 0 ? this.programs.first! : this.programs.middle!;
      const into: Record<string, Tensor> = {};
      for (const path of this.trained)
        into[stepPorts.next(stepPorts.grad(path))] = this.spareSums.get(path)?.pop() ?? this.allocSum(path);
      const out = await program.run(feeds, this.values, { training: true, into });
      // the sums just written become the carried ones; the carried ones the next spare
      for (const path of this.trained) {
        const name = stepPorts.next(stepPorts.grad(path));
        // an engine that wrote elsewhere than `into` (tfjs) hands back new tensors: the unused buffer goes
        if (out[name] !== into[name]) this.e.dispose(into[name]);
        const prev = this.sums.get(path);
        this.sums.set(path, out[name]);
        if (prev) this.spareOf(path).push(prev);
      }
      return this.loss(out);
    }
    const t = this.step + 1;
    const { beta1, beta2 } = this.settings.adam;
    const scalar = (v: number) => this.e.fromHost({ dtype: "f32", shape: [], data: Float32Array.of(v) });
    const scalars = {
      [stepPorts.lr]: scalar(lr),
      [stepPorts.bias1]: scalar(1 - beta1 ** t),
      [stepPorts.bias2Sqrt]: scalar(Math.sqrt(1 - beta2 ** t)),
    };
    const into: Record<string, Tensor> = {};
    for (const [name, buf] of this.spare) into[stepPorts.next(name)] = buf;
    for (const path of this.trained) {
      feeds[stepPorts.avg(path)] = this.values.get(stepPorts.avg(path))!;
      feeds[stepPorts.avgSq(path)] = this.values.get(stepPorts.avgSq(path))!;
    }
    const out = await this.programs.update.run({ ...feeds, ...scalars }, this.values, { training: true, into });
    this.e.dispose(Object.values(scalars));
    for (const name of this.spare.keys()) {
      const next = out[stepPorts.next(name)];
      const prev = this.values.get(name)!;
      this.values.set(name, next);
      // an engine that wrote elsewhere than `into` hands back new tensors: the old ones go
      if (next === this.spare.get(name)) this.spare.set(name, prev);
      else {
        this.e.dispose(this.spare.get(name)!);
        this.spare.set(name, prev);
      }
    }
    for (const [path, s] of this.sums) this.spareOf(path).push(s);
    this.sums.clear();
    this.step = t;
    return this.loss(out);
  }

  private allocSum(path: string): Tensor {
    return zerosLike(this.e, this.ir.params.find((p) => p.path === path)!.shape);
  }

  private spareOf(path: string): Tensor[] {
    let list = this.spareSums.get(path);
    if (!list) this.spareSums.set(path, (list = []));
    return list;
  }

  private async loss(out: Record<string, Tensor>): Promise<number> {
    const l = out[stepPorts.loss];
    const v = Number((await this.e.read(l)).data[0]);
    l.dispose();
    return v;
  }

  load(path: string, t: HostTensor): boolean {
    const prev = this.values.get(path);
    invariant(prev, `no parameter ${path}`);
    if (t.shape.join(",") !== prev.shape.join(",")) return false;
    this.values.set(
      path,
      this.e.fromHost({ dtype: "f32", shape: t.shape, data: Float32Array.from(t.data as Float32Array) }),
    );
    prev.dispose();
    return true;
  }

  async exportState(): Promise<Map<string, HostF32>> {
    const out = new Map<string, HostF32>();
    for (const path of this.trained) {
      for (const name of [stepPorts.avg(path), stepPorts.avgSq(path)]) {
        const h = await this.e.read(this.values.get(name)!);
        out.set(name, { shape: h.shape, data: h.data as Float32Array });
      }
    }
    return out;
  }

  importState(step: number, tensors: ReadonlyMap<string, { shape: number[]; data: ArrayLike<number> }>): string[] {
    const bad: string[] = [];
    for (const path of this.trained) {
      for (const name of [stepPorts.avg(path), stepPorts.avgSq(path)]) {
        const t = tensors.get(name);
        const cur = this.values.get(name)!;
        if (!t || t.shape.join() !== cur.shape.join()) {
          bad.push(name);
          continue;
        }
        this.values.set(name, this.e.fromHost({ dtype: "f32", shape: t.shape, data: Float32Array.from(t.data) }));
        cur.dispose();
      }
    }
    if (bad.length === 0) this.step = step;
    return bad;
  }

  async dispose(): Promise<void> {
    for (const path of this.trained)
      this.e.dispose([this.values.get(stepPorts.avg(path))!, this.values.get(stepPorts.avgSq(path))!]);
    for (const m of [this.spare, this.sums]) this.e.dispose(m.values());
    for (const list of this.spareSums.values()) this.e.dispose(list);
    for (const p of Object.values(this.programs)) await p?.dispose();
  }
}
