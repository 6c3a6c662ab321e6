import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { compile, type CompileOptions } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { printIr } from "../../src/compiler/4-ir/print.ts";
import { renderAll } from "../../src/compiler/diagnostics/render.ts";
import { expectGolden } from "../helpers/golden.ts";

const SAMPLES = "test/ir/samples";
const models = memoryHost({
  "models/clip.mdl": readFileSync("models/clip.mdl", "utf8"),
  "models/xclip.mdl": readFileSync("models/xclip.mdl", "utf8"),
});

function compiled(entry: string, host: ReturnType<typeof memoryHost>, opts: CompileOptions = {}) {
  const r = compile(entry, host, opts);
  assert.equal(renderAll(r.diagnostics), "", `${entry} must compile cleanly`);
  assert.ok(r.value);
  return r.value!;
}

// Tiny samples print their whole graph: every node, type and attribute is reviewed.
for (const name of readdirSync(SAMPLES)
  .sort()
  .filter((n) => !n.startsWith("error-"))) {
  test(`IR of sample ${name}`, () => {
    const dir = `${SAMPLES}/${name}`;
    const file = `${dir}/input.mdl`;
    const opts = existsSync(`${dir}/options.json`)
      ? (JSON.parse(readFileSync(`${dir}/options.json`, "utf8")) as CompileOptions)
      : {};
    const ir = compiled(file, memoryHost({ [file]: readFileSync(file, "utf8") }), opts);
    expectGolden(printIr(ir), `${dir}/ir.txt`);
  });
}

// The full models print without the graph (thousands of lines); hyperparameters, modules and params stay.
for (const [file, preset] of [
  ["models/clip.mdl", "tiny"],
  ["models/xclip.mdl", "tiny"],
] as const) {
  test(`IR of ${file} preset ${preset}, without the graph`, () => {
    const ir = compiled(file, models, { preset });
    expectGolden(
      printIr(ir, { graph: false }),
      `test/ir/models/${file.slice(7, -4)}-${preset.replace("/", "")}.ir.txt`,
    );
  });
}

test.run();
