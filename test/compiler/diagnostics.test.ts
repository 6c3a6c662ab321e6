import { test } from "uvu";
import * as assert from "uvu/assert";
import { codes } from "../../src/compiler/diagnostics/codes.ts";
import { expectGolden } from "../helpers/golden.ts";
import { compileSample, errorSamples, rendered } from "./helpers.ts";

const catalogue = new Set(Object.values(codes).map((c) => c.code));

// Each sample is one user mistake (or several independent ones); diagnostics.txt holds what mdl prints.
for (const dir of errorSamples()) {
  test(`diagnostics of ${dir.slice(5)}`, () => {
    const r = compileSample(dir);
    assert.ok(
      r.diagnostics.some((d) => d.severity === "error"),
      "an error sample must give an error",
    );
    assert.is(r.value, undefined, "no IR after an error");
    for (const d of r.diagnostics) {
      assert.ok(catalogue.has(d.code), `${d.code} is in the catalogue`);
      assert.ok(d.file, `${d.code} names a file`);
    }
    expectGolden(rendered(r), `${dir}/diagnostics.txt`);
  });
}

test.run();
