/**
 * Plain numbers as operands of maximum, minimum, greater and where (issue 22 point 8): the scalar-operands
 * sample on tfjs, ONNX Runtime and the exported PyTorch module (when /usr/bin/python3 has torch) against the
 * arithmetic done here: min(max(x, 0), 0.3) where x > 0.25, else -1e9.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSession } from "../../src/runtime/onnx/session.ts";
import { readSafetensors, writeSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { compileModel, exportTo, randomInputs, runExported, runMdl } from "../torch/helpers.ts";
import { torchMissing } from "../helpers/requires.ts";
import { wasm1 } from "./helpers.ts";

const tmp = mkdtempSync(join(tmpdir(), "mdl-scalar-operands-"));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test("scalar operands: tfjs, ONNX Runtime and torch give min(max(x, 0), 0.3) where x > 0.25 and -1e9 elsewhere", async () => {
  await wasm1();
  const ir = compileModel("test/ir/samples/scalar-operands/input.mdl");
  const inputs = join(tmp, "in.safetensors");
  randomInputs(ir, 5, inputs);
  const x = readSafetensors(inputs).tensors.get("input.x")!;
  const xs = Array.from(x.data as Float32Array);
  const want = xs.map((v) => (v > 0.25 ? Math.min(Math.max(v, 0), 0.3) : -1e9));
  // the sample must reach both branches, or a where that ignores its mask would pass
  assert.ok(want.some((v) => v === -1e9) && want.some((v) => v !== -1e9), xs.join(" "));
  const empty = join(tmp, "w.safetensors");
  writeSafetensors(empty, new Map());
  const engines: [string, ArrayLike<number>][] = [["tfjs", (await runMdl(ir, empty, inputs)).out]];
  const session = await createSession(ir, { weights: new Map(), threads: 1 });
  engines.push(["onnx", (await session.run({ x })).out.data as Float32Array]);
  await session.dispose();
  if (!torchMissing()) {
    const model = exportTo(ir, tmp, "scalar_operands");
    const [out] = runExported([{ model, inputs, weights: [empty] }], tmp);
    engines.push(["torch", Object.values(out)[0].out.data]);
  }
  for (const [engine, got] of engines) {
    assert.is(got.length, want.length, engine);
    Array.from(got).forEach((v, i) =>
      assert.ok(
        Math.abs(v - want[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])),
        `${engine}[${i}] = ${v}, want ${want[i]} (x = ${xs[i]})`,
      ),
    );
  }
  console.log(`scalar operands: ${engines.map(([e]) => e).join(", ")} agree`);
});

test.run();
