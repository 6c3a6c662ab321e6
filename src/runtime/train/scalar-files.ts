/**
 * The run's scalars in the formats other tools read, beside metrics.jsonl: `metrics.csv` (a row per metrics
 * line, a column per scalar, as Lightning's CSVLogger writes) and a TensorBoard event file
 * (`events.out.tfevents.<time>.<host>.mdl`, written directly: TFRecord framing with masked CRC-32C around
 * `Event` protocol buffers carrying `simple_value` summaries). `tensorboard --logdir RUN` shows the curves.
 *
 * A scalar is a finite number of a metrics line, its name the key (`loss`, `lr`), nested objects joined with
 * `/` (`eval/top1`); `step` and `time` are the event's step and wall time, not scalars. When metrics.jsonl is cut back on resume, both files
 * are rewritten from the kept lines, so they always hold the same scalars as the JSONL.
 */
import { appendFileSync, existsSync, readdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { crc32c } from "../../util/crc32.ts";
import { ioError } from "../../util/io-error.ts";
import { fsyncFile, writeDurableAtomic } from "./durable.ts";

export interface ScalarLine {
  step: number;
  [key: string]: unknown;
}

/** Keys of a metrics line that are not scalars: the step, and the wall-clock time an event carries. */
const NOT_SCALARS = new Set(["step", "time", "wall_time"]);

/** The scalars of one metrics line, in key order: `{ loss: 2.3, lr: 1e-3, "eval/top1": 0.4 }`. */
export function scalarsOf(line: ScalarLine): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (o: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(o)) {
      if (prefix === "" && NOT_SCALARS.has(k)) continue;
      if (typeof v === "number" && Number.isFinite(v)) out.set(prefix + k, v);
      else if (v && typeof v === "object" && !Array.isArray(v)) walk(v as Record<string, unknown>, `${prefix}${k}/`);
    }
  };
  walk(line, "");
  return out;
}

// --- CSV ----------------------------------------------------------------------------------------------------

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The header and one row per line; a line lacking a column leaves its cell empty. */
export function csvOf(columns: readonly string[], lines: readonly ScalarLine[]): string {
  const rows = [["step", ...columns].map(csvCell).join(",")];
  for (const l of lines) rows.push(csvRow(columns, l));
  return rows.join("\n") + "\n";
}

function csvRow(columns: readonly string[], line: ScalarLine): string {
  const s = scalarsOf(line);
  return [String(line.step), ...columns.map((c) => (s.has(c) ? String(s.get(c)) : ""))].join(",");
}

// --- TFRecord + Event protos ----------------------------------------------------------------------------------

/** TFRecord's checksum: CRC-32C rotated right by 15 bits plus a constant. */
export const maskedCrc32c = (bytes: Uint8Array) => {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
};

/** One TFRecord: uint64 length, masked CRC of the length, the data, masked CRC of the data (little-endian). */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, BigInt(data.length), true);
  v.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  v.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

class ProtoWriter {
  private bytes: number[] = [];
  private varint(n: bigint): void {
    let x = BigInt.asUintN(64, n);
    while (x >= 0x80n) {
      this.bytes.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.bytes.push(Number(x));
  }
  private key(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }
  double(field: number, x: number): this {
    this.key(field, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, true);
    this.bytes.push(...b);
    return this;
  }
  float(field: number, x: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, x, true);
    this.bytes.push(...b);
    return this;
  }
  int64(field: number, x: number): this {
    this.key(field, 0);
    this.varint(BigInt(x));
    return this;
  }
  bytesField(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.varint(BigInt(b.length));
    this.bytes.push(...b);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** tensorflow/core/util/event.proto: Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5 }. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(1, wallTime).int64(2, 0).string(3, "brain.Event:2").done();
}

/** Summary { repeated Value value = 1 }, Value { string tag = 1; float simple_value = 2 }. */
export function scalarEvent(wallTime: number, step: number, scalars: ReadonlyMap<string, number>): Uint8Array {
  const summary = new ProtoWriter();
  for (const [tag, x] of scalars) summary.bytesField(1, new ProtoWriter().string(1, tag).float(2, x).done());
  return new ProtoWriter().double(1, wallTime).int64(2, step).bytesField(5, summary.done()).done();
}

const wallTimeOf = (line: ScalarLine): number => {
  for (const k of ["wall_time", "time"]) if (typeof line[k] === "number") return line[k] as number;
  return Date.now() / 1000;
};

// --- the files of a run -------------------------------------------------------------------------------------

export class ScalarFiles {
  readonly csvPath: string;
  readonly eventsPath: string;
  private columns: string[] = [];
  private lines: ScalarLine[] = [];

  constructor(run: string) {
    this.csvPath = join(run, "metrics.csv");
    const existing = existsSync(run)
      ? readdirSync(run)
          .filter((f) => f.startsWith("events.out.tfevents."))
          .sort()
      : [];
    this.eventsPath = join(
      run,
      existing[0] ?? `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${hostname().replace(/[^\w.-]/g, "_")}.mdl`,
    );
  }

  /** Rewrite both files from these lines (a fresh run: none; a resume: those the checkpoint had seen). */
  reset(lines: readonly ScalarLine[]): void {
    this.lines = [...lines];
    this.columns = [];
    for (const l of lines) this.addColumns(l);
    writeDurableAtomic(this.csvPath, csvOf(this.columns, this.lines));
    const start = lines.length ? wallTimeOf(lines[0]) : Date.now() / 1000;
    const records = [
      tfRecord(fileVersionEvent(start)),
      ...lines.map((l) => tfRecord(scalarEvent(wallTimeOf(l), l.step, scalarsOf(l)))),
    ];
    writeDurableAtomic(this.eventsPath, Buffer.concat(records));
  }

  append(line: ScalarLine): void {
    this.lines.push(line);
    if (this.addColumns(line)) writeDurableAtomic(this.csvPath, csvOf(this.columns, this.lines));
    else this.appendTo(this.csvPath, csvRow(this.columns, line) + "\n");
    this.appendTo(this.eventsPath, tfRecord(scalarEvent(wallTimeOf(line), line.step, scalarsOf(line))));
  }

  sync(): void {
    for (const p of [this.csvPath, this.eventsPath]) {
      try {
        if (existsSync(p)) fsyncFile(p);
      } catch (err) {
        throw ioError(err, p, "flush to disk");
      }
    }
  }

  /** True when the line brought a column the CSV's header lacks. */
  private addColumns(line: ScalarLine): boolean {
    let added = false;
    for (const k of scalarsOf(line).keys())
      if (!this.columns.includes(k)) {
        this.columns.push(k);
        added = true;
      }
    return added;
  }

  private appendTo(path: string, data: string | Uint8Array): void {
    try {
      appendFileSync(path, data);
    } catch (err) {
      throw ioError(err, path, "append to", typeof data === "string" ? Buffer.byteLength(data) : data.length);
    }
  }
}
