// The TensorBoard event file and metrics.csv beside metrics.jsonl, read back by readers written here from the
// format's spec (TFRecord framing, CRC-32C computed bit by bit, protobuf wire format) and, where Debian's python3
// has google.protobuf, by Python's own protobuf parser over a descriptor of TensorFlow's event.proto.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useWasm } from "./backend.ts";
import { train } from "../../src/runtime/train/loop.ts";
import { groupsFor } from "../../src/runtime/train/optimizer.ts";
import { MetricsLog } from "../../src/runtime/train/metrics.ts";
import { makeTinyMlp, N } from "./fixtures/tiny-mlp.ts";
import { needs, TORCH_PYTHON } from "../helpers/requires.ts";

test.before(useWasm);
const dirs: string[] = [];
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "mdl-scalars-"));
  dirs.push(d);
  return d;
};

// --- an independent reader, from the spec ----------------------------------------------------------------------

/** CRC-32C bit by bit (Castagnoli, reflected 0x82F63B78), no table. */
function crc32cBitwise(bytes: Uint8Array): number {
  let c = ~0 >>> 0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0x82f63b78 & -(c & 1));
  }
  return ~c >>> 0;
}
const masked = (b: Uint8Array) => {
  const c = crc32cBitwise(b);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
};

type Field = { no: number; wire: number; value: bigint | Uint8Array | DataView };
function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = () => {
    let x = 0n;
    for (let s = 0n; ; s += 7n) {
      const byte = b[i++];
      x |= BigInt(byte & 0x7f) << s;
      if (!(byte & 0x80)) return x;
    }
  };
  while (i < b.length) {
    const key = Number(varint());
    const no = key >> 3,
      wire = key & 7;
    if (wire === 0) out.push({ no, wire, value: varint() });
    else if (wire === 1) (out.push({ no, wire, value: new DataView(b.buffer, b.byteOffset + i, 8) }), (i += 8));
    else if (wire === 5) (out.push({ no, wire, value: new DataView(b.buffer, b.byteOffset + i, 4) }), (i += 4));
    else if (wire === 2) {
      const n = Number(varint());
      out.push({ no, wire, value: b.subarray(i, i + n) });
      i += n;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

interface ReadEvent {
  step: number;
  wallTime: number;
  fileVersion?: string;
  scalars: Map<string, number>;
}

function readEvents(path: string): ReadEvent[] {
  const file = new Uint8Array(readFileSync(path));
  const v = new DataView(file.buffer, file.byteOffset);
  const events: ReadEvent[] = [];
  for (let i = 0; i < file.length;) {
    const len = Number(v.getBigUint64(i, true));
    assert.is(v.getUint32(i + 8, true), masked(file.subarray(i, i + 8)), `length CRC at byte ${i}`);
    const data = file.subarray(i + 12, i + 12 + len);
    assert.is(v.getUint32(i + 12 + len, true), masked(data), `data CRC at byte ${i}`);
    i += 12 + len + 4;
    const e: ReadEvent = { step: 0, wallTime: NaN, scalars: new Map() };
    for (const f of fields(data)) {
      if (f.no === 1) e.wallTime = (f.value as DataView).getFloat64(0, true);
      else if (f.no === 2) e.step = Number(f.value as bigint);
      else if (f.no === 3) e.fileVersion = new TextDecoder().decode(f.value as Uint8Array);
      else if (f.no === 5)
        for (const value of fields(f.value as Uint8Array).filter((x) => x.no === 1)) {
          const vf = fields(value.value as Uint8Array);
          const tag = new TextDecoder().decode(vf.find((x) => x.no === 1)!.value as Uint8Array);
          e.scalars.set(tag, (vf.find((x) => x.no === 2)!.value as DataView).getFloat32(0, true));
        }
    }
    events.push(e);
  }
  return events;
}

/** What metrics.jsonl says, as (step, tag, value) with the scalars flattened the way the spec of the files says. */
function jsonlScalars(run: string): { step: number; tag: string; value: number }[] {
  const out: { step: number; tag: string; value: number }[] = [];
  for (const text of readFileSync(join(run, "metrics.jsonl"), "utf8").trim().split("\n")) {
    const l = JSON.parse(text);
    for (const [k, v] of Object.entries(l)) {
      if (k === "step" || k === "time") continue;
      if (typeof v === "number") out.push({ step: l.step, tag: k, value: v });
      else
        for (const [k2, v2] of Object.entries(v as object))
          out.push({ step: l.step, tag: `${k}/${k2}`, value: v2 as number });
    }
  }
  return out;
}

const eventsFile = (run: string) =>
  join(
    run,
    readdirSync(run).find((f) => f.startsWith("events.out.tfevents."))!,
  );

function assertEventsMatch(run: string) {
  const events = readEvents(eventsFile(run));
  assert.is(events[0].fileVersion, "brain.Event:2");
  const got = events.slice(1).flatMap((e) => [...e.scalars].map(([tag, value]) => ({ step: e.step, tag, value })));
  const want = jsonlScalars(run);
  assert.is(got.length, want.length);
  want.forEach((w, i) => {
    assert.is(got[i].step, w.step);
    assert.is(got[i].tag, w.tag);
    assert.is(got[i].value, Math.fround(w.value), `${w.tag} at step ${w.step}`);
  });
  return events;
}

function readCsv(run: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(join(run, "metrics.csv"), "utf8").trim().split("\n");
  const cols = head.split(",");
  return rows.map((r) => Object.fromEntries(r.split(",").map((c, i) => [cols[i], c])));
}

function assertCsvMatches(run: string) {
  const rows = readCsv(run);
  const lines = readFileSync(join(run, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.is(rows.length, lines.length);
  for (const w of jsonlScalars(run)) {
    const row = rows[lines.findIndex((l, i) => l.step === w.step && rows[i][w.tag] !== "")];
    assert.ok(row, `a CSV row for ${w.tag} at step ${w.step}`);
    assert.is(Number(row[w.tag]), w.value);
  }
}

// --- the tests -----------------------------------------------------------------------------------------------

test("CRC-32C: the reader's bitwise CRC agrees with the check value of the spec (RFC 3720: '123456789' -> E3069283)", () => {
  assert.is(crc32cBitwise(new TextEncoder().encode("123456789")), 0xe3069283);
});

async function trainTiny(out: string, steps: number, extra: Record<string, unknown> = {}) {
  const mlp = makeTinyMlp(5);
  try {
    return await train({
      variables: mlp.variables,
      groups: groupsFor([...mlp.variables.keys()], { baseDecay: 0.01 }),
      lossFn: mlp.lossFn,
      dataSize: N,
      batch: 16,
      steps,
      lr: { base: 0.01, warmupSteps: 2, totalSteps: steps, minLr: 0 },
      seed: 5,
      out,
      progress: "none",
      evalEvery: 4,
      evalFn: (step: number) => ({ top1: step / 100, loss: 1 / step }),
      ...extra,
    });
  } finally {
    mlp.dispose();
  }
}

test("a training run's TensorBoard events and CSV hold the same scalars as metrics.jsonl, eval lines included", async () => {
  const out = tmp();
  await trainTiny(out, 10);
  const events = assertEventsMatch(out);
  assert.ok(
    events.some((e) => e.scalars.has("eval/top1")) && events.some((e) => e.scalars.has("loss")),
    "both kinds of line",
  );
  const times = events.map((e) => e.wallTime);
  assert.ok(
    times.every((t) => t > 1.7e9 && t < 4e9),
    `wall times are Unix seconds: ${times.slice(0, 3)}`,
  );
  assertCsvMatches(out);
  assert.equal(Object.keys(readCsv(out)[0]), [
    "step",
    "loss",
    "lr",
    "examples_per_s",
    "epoch",
    "eval/top1",
    "eval/loss",
  ]);
});

test("cutting the log back on resume rewrites both files to the kept lines, and a new column rewrites the CSV header", () => {
  const out = tmp();
  const log = new MetricsLog(out);
  log.reset(0);
  for (let s = 1; s <= 6; s++) log.append({ step: s, loss: 1 / s, lr: 0.1 });
  log.append({ step: 6, eval: { top1: 0.5 } });
  log.sync();
  assertEventsMatch(out);
  assertCsvMatches(out);
  const again = new MetricsLog(out);
  again.reset(3);
  assertEventsMatch(out);
  assertCsvMatches(out);
  assert.is(readCsv(out).length, 3);
  assert.equal(Object.keys(readCsv(out)[0]), ["step", "loss", "lr"]);
  assert.is(readdirSync(out).filter((f) => f.startsWith("events.out.tfevents.")).length, 1, "one event file, reused");
});

const protobufMissing = (() => {
  const r = spawnSync(TORCH_PYTHON, ["-c", "import google.protobuf"], { encoding: "utf8" });
  return r.status === 0
    ? undefined
    : `${TORCH_PYTHON} cannot import google.protobuf (apt-get install python3-protobuf)`;
})();

needs(test, protobufMissing)(
  "Python's protobuf parser reads the event file with TensorFlow's Event/Summary schema",
  async () => {
    const out = tmp();
    await trainTiny(out, 8);
    const script = join(tmp(), "read_events.py");
    writeFileSync(script, PY_READER);
    const r = spawnSync(TORCH_PYTHON, [script, eventsFile(out)], { encoding: "utf8" });
    assert.is(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { step: number; tag: string; value: number }[];
    const want = jsonlScalars(out);
    assert.is(got.length, want.length);
    want.forEach((w, i) => {
      assert.equal([got[i].step, got[i].tag], [w.step, w.tag]);
      assert.is(got[i].value, Math.fround(w.value));
    });
  },
);

// tensorflow/core/framework/summary.proto and tensorflow/core/util/event.proto, the fields TensorBoard's scalars use
const PY_READER = String.raw`
import json, struct, sys
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
F = descriptor_pb2.FieldDescriptorProto
fd = descriptor_pb2.FileDescriptorProto(name="event.proto", package="tensorflow")
value = fd.message_type.add(name="Value")
value.field.add(name="tag", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
value.field.add(name="simple_value", number=2, type=F.TYPE_FLOAT, label=F.LABEL_OPTIONAL)
summary = fd.message_type.add(name="Summary")
summary.field.add(name="value", number=1, type=F.TYPE_MESSAGE, type_name=".tensorflow.Value", label=F.LABEL_REPEATED)
event = fd.message_type.add(name="Event")
event.field.add(name="wall_time", number=1, type=F.TYPE_DOUBLE, label=F.LABEL_OPTIONAL)
event.field.add(name="step", number=2, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
event.field.add(name="file_version", number=3, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
event.field.add(name="summary", number=5, type=F.TYPE_MESSAGE, type_name=".tensorflow.Summary", label=F.LABEL_OPTIONAL)
pool = descriptor_pool.DescriptorPool()
pool.Add(fd)
desc = pool.FindMessageTypeByName("tensorflow.Event")
Event = message_factory.GetMessageClass(desc) if hasattr(message_factory, "GetMessageClass") else message_factory.MessageFactory(pool).GetPrototype(desc)
data = open(sys.argv[1], "rb").read()
out, i = [], 0
while i < len(data):
    (n,) = struct.unpack_from("<Q", data, i)
    e = Event()
    e.ParseFromString(data[i + 12 : i + 12 + n])
    i += 12 + n + 4
    if e.file_version:
        assert e.file_version == "brain.Event:2"
        continue
    for v in e.summary.value:
        out.append({"step": e.step, "tag": v.tag, "value": v.simple_value})
print(json.dumps(out))
`;

test.run();
