/**
 * Run a compiled model on your own tensors and read every output, plus any module's intermediate value.
 *
 *   npx tsx examples/predict.ts models/xclip.mdl test/fixtures/xclip-tiny-e64/weights.safetensors test/fixtures/xclip-tiny-e64/io.safetensors
 *
 * Inputs are read from tensors named `input.<name>` (the fixtures' io.safetensors has them). The same from
 * the shell, writing outputs to a file: `mdl predict MODEL --weights W --inputs IN --out OUT.safetensors`.
 */
import { compileOrFail } from "../src/cli/compile-args.ts";
import { initBackend } from "../src/runtime/tfjs/backend.ts";
import { formatCoverage } from "../src/runtime/weights/coverage.ts";
import { readModelInputs, disposeAll, toHost } from "../src/runtime/run/io-tensors.ts";
import { createRunner } from "../src/runtime/run/runner.ts";
import { runCommand } from "../src/cli/io.ts";
import { fail } from "../src/compiler/diagnostics/diagnostic.ts";

// runCommand prints a catalogued error (MDL code, file, message) and exits 2, as every mdl command does
await runCommand(async () => {
  const [model, weights, inputsFile] = process.argv.slice(2);
  if (!inputsFile) fail("usage", undefined, "usage: npx tsx examples/predict.ts MODEL.mdl WEIGHTS INPUTS.safetensors");
  // compiled as the CLI does: hyperparameters bound from the checkpoint's shapes, errors printed with their place
  const { ir, checkpoint } = compileOrFail(model, {}, weights, undefined, { refuseNonFinite: true });

  await initBackend({ threads: 1 });
  const runner = createRunner(ir, checkpoint);
  console.log(formatCoverage(runner.coverage));

  // Any module instance's output can be kept: ir.graph.calls lists them by path.
  const call = ir.graph.calls.find((c) => c.scope === "visual.ln_pre") ?? ir.graph.calls[0];
  const inputs = readModelInputs(ir, inputsFile);
  const { outputs, kept } = await runner.run(inputs, [call.outputs[0].value]);
  for (const [name, t] of Object.entries(outputs))
    console.log(`out.${name} [${t.shape}]`, Array.from(((await toHost(t)).data as Float32Array).slice(0, 6)));
  console.log(`${call.scope} [${kept.get(call.outputs[0].value)!.shape}]`);
  disposeAll(inputs);
  disposeAll(outputs);
  kept.forEach((t) => t.dispose());
  await runner.dispose();
});
