/** Shared by the weights tests: fixture paths, bitwise comparison, and catching catalogued errors. */
import * as assert from "uvu/assert";
import { MdlError } from "../../src/compiler/diagnostics/diagnostic.ts";
import { bytesOf, type HostTensor } from "../../src/runtime/weights/tensor.ts";

export const FIXTURES = "test/fixtures";
export const LOCAL = "test/weights/fixtures";

export function sameBits(a: HostTensor, b: HostTensor): boolean {
  const x = bytesOf(a),
    y = bytesOf(b);
  return (
    a.dtype === b.dtype &&
    JSON.stringify(a.shape) === JSON.stringify(b.shape) &&
    x.length === y.length &&
    x.every((v, i) => v === y[i])
  );
}

/** Every tensor of `expected` is in `actual` with the same name, dtype, shape and bytes, and nothing else is. */
export function assertSameTensors(
  actual: Map<string, HostTensor>,
  expected: Map<string, HostTensor>,
  label: string,
): void {
  assert.equal([...actual.keys()].sort(), [...expected.keys()].sort(), `${label}: names`);
  for (const [name, t] of expected) assert.ok(sameBits(actual.get(name)!, t), `${label}: ${name} differs`);
}

/** Run `fn`, which must throw an MdlError with `code` naming `file`; returns its message. */
export function expectMdlError(fn: () => unknown, code: string, file: string): string {
  try {
    fn();
  } catch (err) {
    assert.instance(err, MdlError, `expected MdlError, got ${String(err)}`);
    const d = (err as MdlError).diagnostic;
    assert.is(d.code, code, `${file}: ${d.message}`);
    assert.is(d.file, file);
    return d.message;
  }
  assert.unreachable(`${file}: expected ${code}, nothing was thrown`);
  return "";
}
