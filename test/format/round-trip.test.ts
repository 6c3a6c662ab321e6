/**
 * Every .mdl file in the repo: parse -> print -> parse gives the same AST, printing is idempotent and
 * keeps every comment; the repo's own models are already in canonical form.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { formatSource } from "../../src/compiler/1-syntax/print.ts";
import { astOf, commentsOf, formattedFiles, read, sampleFiles, sprinkleComments } from "./helpers.ts";

const format = (file: string, text: string) => {
  const r = formatSource(file, text);
  assert.ok(r.value !== undefined, `${file}: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.value as string;
};

test("there is something to test: models, variants, std and samples were found", () => {
  assert.ok(formattedFiles.includes("models/xclip.mdl") && formattedFiles.includes("src/compiler/std/std.mdl"));
  assert.ok(formattedFiles.some((f) => f.startsWith("models/variants/")));
  assert.ok(sampleFiles.length >= 5, `${sampleFiles.length} samples`);
});

for (const file of [...formattedFiles, ...sampleFiles]) {
  test(`${file}: same AST after printing, printing twice changes nothing, comments kept`, () => {
    const text = read(file);
    const once = format(file, text);
    assert.is(astOf(file, once), astOf(file, text));
    assert.fixture(format(file, once), once);
    assert.equal(commentsOf(once), commentsOf(text));
  });
}

for (const file of formattedFiles) {
  test(`${file} is in canonical form (mdl fmt --check passes)`, () => {
    const text = read(file);
    assert.fixture(format(file, text), text, `${file} is not formatted: run mdl fmt ${file}`);
  });
}

for (const file of [...formattedFiles, ...sampleFiles]) {
  test(`${file} with comments between random tokens: same AST, every comment once and in order, idempotent`, () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const text = sprinkleComments(read(file), seed);
      const once = format(file, text);
      assert.is(astOf(file, once), astOf(file, text), `seed ${seed}`);
      assert.equal(commentsOf(once), commentsOf(text), `seed ${seed}`);
      assert.fixture(format(file, once), once, `seed ${seed}`);
    }
  });
}

test.run();
