// Recovery (issue 26.7): --resume skips a damaged newest checkpoint (truncated, altered, NaN weights) for the
// newest one that verifies, saying which and why, and still ends bit for bit where an uninterrupted run ends;
// --resume-from picks a checkpoint, and refuses one that does not verify.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { cpSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { cleanup, scratch, smallData } from "../session/helpers.ts";
import { assertShortError, mdlTrain, metricsOf, trainArgs, weightBytes } from "./mdl-child.ts";

test.after(cleanup);
const STEPS = 20;
let data: string;
test.before(() => void (data = smallData()));
const args = (out: string, ...more: string[]) => [...trainArgs(data, out, STEPS, 5), ...more];
let ref: string;

/** A copy of the finished reference run (ckpt-15 and ckpt-20 on disk). */
const copyOfRef = (tag: string) => {
  const out = join(scratch(tag), "run");
  cpSync(ref, out, { recursive: true });
  return out;
};
const pointer = (out: string) => readFileSync(join(out, "latest.json"), "utf8");

async function assertEndsAsReference(out: string, ...flags: string[]): Promise<string> {
  const r = await mdlTrain(args(out, ...flags)).done;
  assert.is(r.code, 0, r.stderr);
  assert.ok(
    weightBytes(join(out, `ckpt-${STEPS}`)).equals(weightBytes(join(ref, `ckpt-${STEPS}`))),
    "final weights differ from the uninterrupted run's",
  );
  assert.equal(metricsOf(out), metricsOf(ref));
  assert.match(pointer(out), /"ckpt-20"/);
  return r.stderr;
}

test("uninterrupted reference run", async () => {
  ref = join(scratch("rec-ref"), "run");
  const r = await mdlTrain(args(ref)).done;
  assert.is(r.code, 0, r.stderr);
});

test("a truncated newest checkpoint: --resume falls back to ckpt-15 with a notice and ends as the uninterrupted run", async () => {
  const out = copyOfRef("rec-trunc");
  const file = join(out, "ckpt-20", "weights.safetensors");
  const size = readFileSync(file).length;
  truncateSync(file, size - 100);
  const stderr = await assertEndsAsReference(out, "--resume");
  assert.match(
    stderr,
    `${join(out, "ckpt-20")}: warning MDL543: not resuming from here: weights.safetensors has ${size - 100} bytes, ${size} were written; resuming from ckpt-15\n`,
  );
  assert.match(stderr, /step 16\/20 /);
});

test("NaN weights in the newest checkpoint (its digests recorded anew): --resume falls back naming the tensor", async () => {
  const out = copyOfRef("rec-nan");
  const file = join(out, "ckpt-20", "weights.safetensors");
  const bytes = readFileSync(file);
  const last = [...readSafetensors(file).tensors.keys()].pop()!;
  bytes.writeFloatLE(NaN, bytes.length - 4);
  writeFileSync(file, bytes);
  // as if the NaN had been saved: the size and SHA-256 match, so only reading the values tells
  const statePath = join(out, "ckpt-20", "state.json");
  const state = JSON.parse(readFileSync(statePath, "utf8"));
  state.files["weights.safetensors"] = {
    bytes: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
  writeFileSync(statePath, JSON.stringify(state));
  const stderr = await assertEndsAsReference(out, "--resume");
  assert.match(
    stderr,
    `${join(out, "ckpt-20")}: warning MDL543: not resuming from here: \`${last}\` holds 1 NaN or infinite value; resuming from ckpt-15\n`,
  );
});

test("--resume-from ckpt-15 goes back from an intact ckpt-20 and ends as the uninterrupted run", async () => {
  const out = copyOfRef("rec-from");
  const stderr = await assertEndsAsReference(out, "--resume-from", "ckpt-15");
  assert.not.match(stderr, /MDL543/);
  assert.match(stderr, /step 16\/20 /);
  assert.not.match(stderr, /step 15\/20 /);
});

test("--resume-from refuses a checkpoint that does not verify, or is not there, and leaves the run as it was", async () => {
  const out = copyOfRef("rec-from-bad");
  const file = join(out, "ckpt-20", "weights.safetensors");
  const bytes = readFileSync(file);
  bytes[bytes.length - 1] ^= 1; // same size, other bytes
  writeFileSync(file, bytes);
  const before = { pointer: pointer(out), metrics: readFileSync(join(out, "metrics.jsonl"), "utf8") };
  const altered = await mdlTrain(args(out, "--resume-from", "ckpt-20")).done;
  assert.is(altered.code, 2, altered.stderr);
  assert.match(
    altered.stderr,
    `${join(out, "ckpt-20")}: error MDL516: cannot resume: weights.safetensors is not the file that was written (SHA-256 differs)\n`,
  );
  assertShortError(altered.stderr);
  const missing = await mdlTrain(args(out, "--resume-from", join(out, "ckpt-7"))).done;
  assert.is(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, `${join(out, "ckpt-7")}: error MDL516: cannot resume: the directory is missing\n`);
  assertShortError(missing.stderr);
  assert.equal({ pointer: pointer(out), metrics: readFileSync(join(out, "metrics.jsonl"), "utf8") }, before);
});

test("when no checkpoint verifies, --resume fails naming each one and why, and leaves latest.json as it was", async () => {
  const out = copyOfRef("rec-none");
  truncateSync(join(out, "ckpt-20", "optimizer.safetensors"), 10);
  writeFileSync(join(out, "ckpt-15", "state.json"), "{ not json");
  const before = pointer(out);
  const r = await mdlTrain(args(out, "--resume")).done;
  assert.is(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /error MDL516: cannot resume: no checkpoint verifies \(ckpt-20: optimizer\.safetensors has 10 bytes, \d+ were written; ckpt-15: state\.json is unreadable\)/,
  );
  assertShortError(r.stderr);
  assert.is(pointer(out), before);
});

test.run();
