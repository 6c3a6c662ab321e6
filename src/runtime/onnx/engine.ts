/**
 * ONNX Runtime as an Engine: values are ORT tensors over host memory (CPU), parameters stay in torch's layout,
 * and every IR, a training step included, compiles into one InferenceSession whose parameters are graph inputs;
 * an inference program may bake them in as initializers instead (`bake`), which ORT folds and pre-packs.
 * A run can write its outputs into tensors the caller allocated once (`into`), so a training step swaps its
 * parameter and moment buffers instead of copying them.
 */
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import { fail, invariant } from "../../compiler/diagnostics/diagnostic.ts";
import type { CompiledProgram, CompileOptions, Engine, HostF32, Tensor } from "../backend/engine.ts";
import { initValues, seededRandom } from "../weights/init-values.ts";
import { isFloat, numel, toFloat32, type HostTensor } from "../weights/tensor.ts";
import { lowerToOnnx } from "./lower.ts";
import { cudaMissing, loadOrt, openSession, type Device } from "./session.ts";

type Ort = Awaited<ReturnType<typeof loadOrt>>;
type OrtValue = InstanceType<Ort["Tensor"]>;

const ORT_TYPE = { f32: "float32", i32: "int32", i64: "int64", bool: "bool" } as const;
const DTYPE: Record<string, HostTensor["dtype"]> = { float32: "f32", int32: "i32", int64: "i64", bool: "bool" };

/** An ORT value as an engine tensor; `live` counts the undisposed ones for leak checks. */
class OrtTensor implements Tensor {
  static live = 0;
  private disposed = false;
  constructor(readonly value: OrtValue) {
    OrtTensor.live++;
  }
  get shape(): readonly number[] {
    return this.value.dims;
  }
  get dtype(): string {
    return this.value.type;
  }
  dispose(): void {
    if (!this.disposed) OrtTensor.live--;
    this.disposed = true;
  }
}
const V = (t: Tensor) => (t as OrtTensor).value;

export interface OnnxEngineOptions {
  device?: Device;
  threads?: number;
}

export async function createOnnxEngine({ device = "cpu", threads }: OnnxEngineOptions = {}): Promise<Engine> {
  const ort = await loadOrt();
  if (device === "cuda") {
    const why = await cudaMissing();
    if (why) fail("backend_unavailable", undefined, "onnx --device cuda", why);
  }
  const wrap = (v: OrtValue) => new OrtTensor(v);
  const fromHost = (t: HostTensor): Tensor => {
    if (isFloat(t.dtype))
      return wrap(new ort.Tensor("float32", t.dtype === "f32" ? (t.data as Float32Array) : toFloat32(t), [...t.shape]));
    if (t.dtype === "i64") return wrap(new ort.Tensor("int64", t.data as BigInt64Array, [...t.shape]));
    if (t.dtype === "bool")
      return wrap(
        new ort.Tensor(
          "bool",
          Uint8Array.from(toFloat32(t), (v) => (v ? 1 : 0)),
          [...t.shape],
        ),
      );
    return wrap(
      new ort.Tensor("int32", t.data instanceof Int32Array ? t.data : Int32Array.from(toFloat32(t)), [...t.shape]),
    );
  };
  /** An integer input in the dtype the graph declares (token ids come as i32 and may be declared i64). */
  const asType = (t: Tensor, want: string): OrtValue => {
    const v = V(t);
    if (v.type === want) return v;
    const data = v.data as ArrayLike<number | bigint>;
    if (want === "int64")
      return new ort.Tensor("int64", BigInt64Array.from(Array.from(data, (x) => BigInt(x))), v.dims);
    if (want === "int32") return new ort.Tensor("int32", Int32Array.from(Array.from(data, Number)), v.dims);
    if (want === "float32") return new ort.Tensor("float32", Float32Array.from(Array.from(data, Number)), v.dims);
    invariant(false, `an ORT input of type ${v.type} where ${want} is declared`);
  };

  async function compile(ir: ModelIR, opts: CompileOptions = {}): Promise<CompiledProgram> {
    // baked: initializers, linear weights laid [in, out] once, which ORT folds and pre-packs; else graph inputs
    const lowering = opts.bake ? { weights: opts.bake.weights, seed: opts.bake.seed } : { paramsAsInputs: true };
    const session = await openSession(lowerToOnnx(ir, lowering), device, threads);
    const types = new Map<string, string>();
    for (const m of session.inputMetadata) if (m.isTensor) types.set(m.name, m.type);
    const portNames = new Set(ir.graph.inputs.map((p) => p.name));
    return {
      inputNames: session.inputNames.filter((n) => portNames.has(n)),
      async run(inputs, params, o = {}) {
        const feeds: Record<string, OrtValue> = {};
        for (const name of session.inputNames) {
          const t = portNames.has(name) ? inputs[name] : params?.get(name);
          if (!t) fail("usage", ir.file, `the program \`${ir.model}\` needs the value \`${name}\``);
          feeds[name] = asType(t, types.get(name) ?? "float32");
        }
        const fetches: Record<string, OrtValue | null> = {};
        for (const name of session.outputNames) fetches[name] = o.into?.[name] ? V(o.into[name]) : null;
        const out = await session.run(feeds, fetches);
        const result: Record<string, Tensor> = {};
        for (const name of session.outputNames) result[name] = o.into?.[name] ?? wrap(out[name] as OrtValue);
        return result;
      },
      dispose: () => session.release(),
    };
  }

  const read = async (t: Tensor): Promise<HostTensor> => {
    const v = V(t);
    const dtype = DTYPE[v.type];
    invariant(dtype, `an ORT value of type ${v.type}`);
    const data = v.data as Float32Array | Int32Array | BigInt64Array | Uint8Array;
    return { dtype, shape: [...v.dims], data: data.slice() } as HostTensor;
  };

  const engine: Engine = {
    name: `onnx-${device}`,
    fromHost,
    read,
    dispose(ts) {
      if (!ts) return;
      if (ts instanceof OrtTensor) return ts.dispose();
      const list = Symbol.iterator in ts ? [...(ts as Iterable<Tensor>)] : Object.values(ts as Record<string, Tensor>);
      for (const t of list) t.dispose();
    },
    numTensors: () => OrtTensor.live,
    scoped: (f) => f(),
    compile,
    createParams(ir, source, o) {
      return new Map(
        ir.params.map((p) => {
          const given = source?.get(p.path);
          const data = given?.data ?? initValues(p.init, numel(p.shape), seededRandom(o.seed, p.path));
          return [p.path, fromHost({ dtype: "f32", shape: [...p.shape], data: Float32Array.from(data) })];
        }),
      );
    },
    toTorchLayout: async (_ir, _path, t) => {
      const h = await read(t);
      return { shape: h.shape, data: h.data as Float32Array };
    },
    fromTorchLayout: (_ir, _path, t: HostF32) =>
      fromHost({ dtype: "f32", shape: t.shape, data: Float32Array.from(t.data) }),
    concat(ts, axis) {
      const hs = ts.map((t) => V(t));
      const shape = [...hs[0].dims];
      const outer = shape.slice(0, axis).reduce((a, d) => a * d, 1);
      const inner = (v: OrtValue) => v.dims.slice(axis).reduce((a, d) => a * d, 1);
      shape[axis] = hs.reduce((s, v) => s + v.dims[axis], 0);
      type Data = Float32Array | Int32Array | BigInt64Array | Uint8Array;
      const Typed = (hs[0].data as Data).constructor as new (n: number) => Data;
      const out = new Typed(numel(shape));
      let at = 0;
      for (let o = 0; o < outer; o++)
        for (const v of hs) {
          const n = inner(v);
          out.set((v.data as Data).subarray(o * n, (o + 1) * n) as never, at);
          at += n;
        }
      return wrap(new ort.Tensor(hs[0].type as "float32", out as Float32Array, shape));
    },
    viewProbabilities(logits, groups, reduce) {
      const v = V(logits);
      const [rows, K] = v.dims;
      const x = v.data as Float32Array;
      const per = rows / groups;
      const out = new Float32Array(groups * K);
      for (let r = 0; r < rows; r++) {
        let max = -Infinity;
        for (let k = 0; k < K; k++) max = Math.max(max, x[r * K + k]);
        let sum = 0;
        for (let k = 0; k < K; k++) sum += Math.exp(x[r * K + k] - max);
        const g = Math.floor(r / per);
        for (let k = 0; k < K; k++)
          out[g * K + k] += Math.exp(x[r * K + k] - max) / sum / (reduce === "mean" ? per : 1);
      }
      return fromHost({ dtype: "f32", shape: [groups, K], data: out });
    },
  };
  return engine;
}
