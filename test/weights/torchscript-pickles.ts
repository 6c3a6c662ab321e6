/**
 * data.pkl module trees written opcode by opcode (protocol 2), for a TorchScript archive whose class lists the
 * parameters `weight` and `bias` (a traced nn.Linear): trees no torch would write, that a loader must bound.
 * Every module leaves its parameters unset (None), as a bias=False Linear does, so only the shape of the tree
 * matters. `cls` is the GLOBAL line pair of the archive's own class (`c<module>\n<name>\n`).
 */
const key = (s: string) => {
  const b = Buffer.alloc(5 + s.length);
  b[0] = 0x58; // BINUNICODE
  b.writeUInt32LE(s.length, 1);
  b.write(s, 5, "latin1");
  return b;
};
const PROTO = Buffer.from([0x80, 2]);
const NEW = Buffer.from([0x68, 0, 0x29, 0x81, 0x7d, 0x28]); // BINGET 0 (the class), () NEWOBJ, {} MARK
const UNSET = Buffer.concat([key("weight"), Buffer.from([0x4e]), key("bias"), Buffer.from([0x4e])]);
const CLOSE = Buffer.from([0x75, 0x62]); // SETITEMS BUILD

/** The class GLOBAL that data.pkl opens with. */
export function classGlobal(dataPkl: Uint8Array): Uint8Array {
  const b = Buffer.from(dataPkl);
  return b.subarray(2, b.indexOf(0x0a, b.indexOf(0x0a) + 1) + 1);
}

/** A chain of `depth` modules, each the attribute `m` of the one before. */
export function nestedModules(cls: Uint8Array, depth: number): Uint8Array {
  const open = Buffer.concat([NEW, UNSET, key("m")]);
  const parts: Buffer[] = [PROTO, Buffer.from(cls), Buffer.from([0x71, 0])]; // BINPUT 0
  for (let i = 0; i < depth - 1; i++) parts.push(open);
  parts.push(NEW, UNSET, CLOSE);
  for (let i = 0; i < depth - 1; i++) parts.push(CLOSE);
  return Buffer.concat([...parts, Buffer.from([0x2e])]);
}

/** `levels` modules, each holding the next one twice (attributes `a` and `b`): 2^levels paths through the tree. */
export function sharedModules(cls: Uint8Array, levels: number): Uint8Array {
  const parts: Buffer[] = [PROTO, Buffer.from(cls), Buffer.from([0x71, 0])];
  // Build from the innermost out, each finished module memoised at 1 so the next can name it twice.
  parts.push(NEW, UNSET, CLOSE, Buffer.from([0x71, 1]));
  for (let i = 1; i < levels; i++)
    parts.push(
      Buffer.from([0x30]),
      NEW,
      UNSET,
      key("a"),
      Buffer.from([0x68, 1]),
      key("b"),
      Buffer.from([0x68, 1]),
      CLOSE,
      Buffer.from([0x71, 1]),
    );
  return Buffer.concat([...parts, Buffer.from([0x2e])]);
}
