/**
 * A restricted unpickler. It reads the opcodes a PyTorch checkpoint uses (protocols 0-4) and never
 * calls anything but the builders it is given: a GLOBAL that is not in that allow-list is refused
 * the moment it is read, before any REDUCE could use it. Nothing from the file is ever executed.
 */
import { MdlError, fail } from "../../compiler/diagnostics/diagnostic.ts";

/** What the caller allows a global to do. */
export interface GlobalBuilder {
  /** `callable(*args)` (REDUCE, INST, OBJ). */
  call?: (args: unknown[]) => unknown;
  /** `cls.__new__(cls, *args)` (NEWOBJ). */
  construct?: (args: unknown[]) => unknown;
}

/** An allowed global as it sits on the stack: a name and our builder for it. */
export class PyGlobal {
  constructor(
    readonly qualified: string,
    readonly builder: GlobalBuilder,
  ) {}
}

/** A Python dict (or OrderedDict). Keys keep Python's insertion order. */
export class PyDict {
  readonly map = new Map<unknown, unknown>();
  /** What BUILD set (an OrderedDict's `_metadata`, for one); kept, never interpreted. */
  state?: unknown;
}

/** An inert object of an allowed data class: its arguments and state are kept as data. */
export class PyObject {
  state?: unknown;
  readonly items = new PyDict();
  constructor(
    readonly cls: string,
    readonly args: unknown[],
  ) {}
}

export interface UnpickleOptions {
  file: string;
  globals: ReadonlyMap<string, GlobalBuilder>;
  persistentLoad?: (pid: unknown) => unknown;
}

const MARK = Symbol("mark");

/** Unpickle one pickle starting at `start`; returns its value and the offset just after STOP. */
export function unpickle(bytes: Uint8Array, start: number, opts: UnpickleOptions): { value: unknown; end: number } {
  const { file } = opts;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = new TextDecoder("latin1");
  const utf8 = new TextDecoder("utf-8");
  let pos = start;
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const corrupt = (why: string): never => fail("corrupt", file, `pickle at byte ${pos}: ${why}`);
  const need = (n: number) => {
    if (n < 0 || pos + n > bytes.length)
      fail("truncated", file, `the pickle stops at byte ${bytes.length} in the middle of an opcode at byte ${pos}`);
  };
  const take = (n: number) => (need(n), bytes.subarray((pos += n) - n, pos));
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const u64 = () => {
    need(8);
    const n = view.getBigUint64(pos, true);
    pos += 8;
    if (n > BigInt(bytes.length)) corrupt(`a length of ${n} bytes exceeds the file`);
    return Number(n);
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail("truncated", file, `the pickle stops inside a text opcode at byte ${pos}`);
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  // A function, not `stack.push(...)`: the argument may swap `stack` (popMark) and must run first.
  const push = (v: unknown) => void stack.push(v);
  const pop = () => (stack.length ? stack.pop() : corrupt("stack underflow"));
  const top = () => (stack.length ? stack[stack.length - 1] : corrupt("stack underflow"));
  const popMark = () => {
    const items = stack;
    stack = marks.pop() ?? corrupt("MARK expected");
    return items;
  };
  const lookup = (module: string, name: string) => {
    const qualified = `${module}.${name}`;
    const builder = opts.globals.get(qualified);
    if (!builder) fail("forbidden_global", file, qualified);
    return new PyGlobal(qualified, builder);
  };
  const call = (fn: unknown, args: unknown) => {
    if (!(fn instanceof PyGlobal) || !fn.builder.call) return corrupt(`\`${describe(fn)}\` cannot be called`);
    if (!Array.isArray(args)) return corrupt("call arguments are not a tuple");
    try {
      return fn.builder.call(args);
    } catch (err) {
      if (err instanceof MdlError) throw err;
      return corrupt(`${fn.qualified}: ${(err as Error).message}`);
    }
  };
  const setItems = (target: unknown, kv: unknown[]) => {
    const dict =
      target instanceof PyDict
        ? target
        : target instanceof PyObject
          ? target.items
          : corrupt(`cannot set items on ${describe(target)}`);
    for (let i = 0; i + 1 < kv.length; i += 2) dict.map.set(kv[i], kv[i + 1]);
  };
  const append = (target: unknown, xs: unknown[]) => {
    if (!Array.isArray(target)) corrupt(`cannot append to ${describe(target)}`);
    (target as unknown[]).push(...xs);
  };
  const persistent = (pid: unknown) =>
    opts.persistentLoad ? opts.persistentLoad(pid) : corrupt("persistent id outside a checkpoint");
  const decodeLong = (b: Uint8Array) => {
    if (b.length === 0) return 0;
    let n = 0n;
    for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) n -= 1n << BigInt(8 * b.length);
    return Number.isSafeInteger(Number(n)) ? Number(n) : n;
  };
  const textInt = (s: string) => {
    if (s === "01") return true;
    if (s === "00") return false;
    if (!/^[+-]?\d+L?$/.test(s)) corrupt(`\`${s.slice(0, 40)}\` is not an integer`);
    const n = BigInt(s.replace(/L$/, ""));
    return Number.isSafeInteger(Number(n)) ? Number(n) : n;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80:
        u8();
        break; // PROTO
      case 0x95:
        take(8);
        break; // FRAME: a hint for buffered readers
      case 0x2e: {
        // STOP
        const value = pop();
        return { value, end: pos };
      }
      case 0x28:
        marks.push(stack);
        stack = [];
        break; // MARK
      case 0x30:
        pop();
        break; // POP
      case 0x31:
        popMark();
        break; // POP_MARK
      case 0x32:
        push(top());
        break; // DUP
      case 0x4e:
        push(null);
        break; // NONE
      case 0x88:
        push(true);
        break; // NEWTRUE
      case 0x89:
        push(false);
        break; // NEWFALSE
      case 0x4b:
        push(u8());
        break; // BININT1
      case 0x4d:
        push(u16());
        break; // BININT2
      case 0x4a:
        need(4);
        push(view.getInt32(pos, true));
        pos += 4;
        break; // BININT
      case 0x49:
        push(textInt(line()));
        break; // INT
      case 0x4c:
        push(textInt(line()));
        break; // LONG
      case 0x8a:
        push(decodeLong(take(u8())));
        break; // LONG1
      case 0x8b: {
        need(4);
        const n = view.getInt32(pos, true);
        pos += 4;
        push(decodeLong(take(n)));
        break;
      } // LONG4
      case 0x47:
        need(8);
        push(view.getFloat64(pos, false));
        pos += 8;
        break; // BINFLOAT (big-endian)
      case 0x46:
        push(Number(line()));
        break; // FLOAT
      case 0x58:
        push(utf8.decode(take(u32())));
        break; // BINUNICODE
      case 0x8c:
        push(utf8.decode(take(u8())));
        break; // SHORT_BINUNICODE
      case 0x8d:
        push(utf8.decode(take(u64())));
        break; // BINUNICODE8
      case 0x56:
        push(unescapeRawUnicode(line()));
        break; // UNICODE
      case 0x55:
        push(latin1.decode(take(u8())));
        break; // SHORT_BINSTRING (py2 str)
      case 0x54:
        push(latin1.decode(take(u32())));
        break; // BINSTRING
      case 0x53:
        push(unquote(line()));
        break; // STRING
      case 0x43:
        push(new Uint8Array(take(u8())));
        break; // SHORT_BINBYTES
      case 0x42:
        push(new Uint8Array(take(u32())));
        break; // BINBYTES
      case 0x8e:
        push(new Uint8Array(take(u64())));
        break; // BINBYTES8
      case 0x29:
        push([]);
        break; // EMPTY_TUPLE
      case 0x74:
        push(popMark());
        break; // TUPLE
      case 0x85:
        push([pop()]);
        break; // TUPLE1
      case 0x86: {
        const b = pop(),
          a = pop();
        push([a, b]);
        break;
      } // TUPLE2
      case 0x87: {
        const c = pop(),
          b = pop(),
          a = pop();
        push([a, b, c]);
        break;
      } // TUPLE3
      case 0x5d:
        push([]);
        break; // EMPTY_LIST
      case 0x6c:
        push(popMark());
        break; // LIST
      case 0x61: {
        const x = pop();
        append(top(), [x]);
        break;
      } // APPEND
      case 0x65: {
        const xs = popMark();
        append(top(), xs);
        break;
      } // APPENDS
      case 0x7d:
        push(new PyDict());
        break; // EMPTY_DICT
      case 0x64: {
        const d = new PyDict();
        setItems(d, popMark());
        push(d);
        break;
      } // DICT
      case 0x73: {
        const v = pop(),
          k = pop();
        setItems(top(), [k, v]);
        break;
      } // SETITEM
      case 0x75: {
        const kv = popMark();
        setItems(top(), kv);
        break;
      } // SETITEMS
      case 0x8f:
        push([]);
        break; // EMPTY_SET (kept as a list)
      case 0x90: {
        const xs = popMark();
        append(top(), xs);
        break;
      } // ADDITEMS
      case 0x91:
        push(popMark());
        break; // FROZENSET
      case 0x67:
        push(memoGet(Number(line())));
        break; // GET
      case 0x68:
        push(memoGet(u8()));
        break; // BINGET
      case 0x6a:
        push(memoGet(u32()));
        break; // LONG_BINGET
      case 0x70:
        memo.set(Number(line()), top());
        break; // PUT
      case 0x71:
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x63: {
        const module = line();
        push(lookup(module, line()));
        break;
      } // GLOBAL
      case 0x93: {
        // STACK_GLOBAL
        const name = pop(),
          module = pop();
        if (typeof module !== "string" || typeof name !== "string") corrupt("STACK_GLOBAL needs two strings");
        push(lookup(module as string, name as string));
        break;
      }
      case 0x69: {
        const module = line();
        const g = lookup(module, line());
        push(call(g, popMark()));
        break;
      } // INST
      case 0x6f: {
        const [cls, ...args] = popMark();
        push(call(cls, args));
        break;
      } // OBJ
      case 0x52: {
        const args = pop();
        push(call(pop(), args));
        break;
      } // REDUCE
      case 0x81: {
        // NEWOBJ
        const args = pop(),
          cls = pop();
        if (!(cls instanceof PyGlobal) || !cls.builder.construct || !Array.isArray(args))
          corrupt(`\`${describe(cls)}\` cannot be constructed`);
        push((cls as PyGlobal).builder.construct!(args as unknown[]));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop(); // keyword arguments: the allowed classes take none that matter
        const args = pop(),
          cls = pop();
        if (!(cls instanceof PyGlobal) || !cls.builder.construct || !Array.isArray(args))
          corrupt(`\`${describe(cls)}\` cannot be constructed`);
        push((cls as PyGlobal).builder.construct!(args as unknown[]));
        break;
      }
      case 0x62: {
        // BUILD: record the state; objects here never run __setstate__
        const state = pop(),
          obj = top();
        if (obj instanceof PyDict || obj instanceof PyObject) obj.state = state;
        break;
      }
      case 0x51:
        push(persistent(pop()));
        break; // BINPERSID
      case 0x50:
        push(persistent(line()));
        break; // PERSID
      default:
        corrupt(
          `unsupported pickle opcode 0x${op.toString(16).padStart(2, "0")} (extension registry, out-of-band buffers and unknown opcodes are refused)`,
        );
    }
  }

  function memoGet(i: number) {
    if (!memo.has(i)) corrupt(`memo entry ${i} is read before it is written`);
    return memo.get(i);
  }
}

export function describe(v: unknown): string {
  if (v instanceof PyGlobal) return v.qualified;
  if (v instanceof PyDict) return "a dict";
  if (v instanceof PyObject) return `a ${v.cls}`;
  if (Array.isArray(v)) return "a tuple or list";
  if (v === null) return "None";
  return `a ${typeof v}`;
}

/** Protocol 0 STRING: a Python repr in quotes, with backslash escapes. */
function unquote(s: string): string {
  const q = s[0];
  const body = (q === "'" || q === '"') && s.endsWith(q) ? s.slice(1, -1) : s;
  return body.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e: string) =>
    e[0] === "x"
      ? String.fromCharCode(parseInt(e.slice(1), 16))
      : (({ n: "\n", t: "\t", r: "\r", "0": "\0" } as Record<string, string>)[e] ?? e),
  );
}

/** Protocol 0 UNICODE: raw-unicode-escape, where only \uXXXX and \UXXXXXXXX are escapes. */
function unescapeRawUnicode(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, a?: string, b?: string) =>
    String.fromCodePoint(parseInt((a ?? b)!, 16)),
  );
}
