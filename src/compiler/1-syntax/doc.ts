/**
 * A small pretty-printing document algebra (Wadler's "prettier printer", in the form prettier uses):
 * a group prints on one line when it fits the width, else its lines break. The source printer builds
 * these; keeping the layout decision here lets print.ts say only what the canonical form is.
 */

export type Doc = string | Doc[] | Group | Indent | Line | IfBreak | LineSuffix | BreakParent;
interface Group {
  kind: "group";
  contents: Doc;
  broken: boolean;
}
interface Indent {
  kind: "indent";
  contents: Doc;
}
interface Line {
  kind: "line";
  /** Prints nothing (instead of a space) when flat. */
  soft: boolean;
  /** Always breaks, and so breaks every group around it. */
  hard: boolean;
}
interface IfBreak {
  kind: "ifBreak";
  broken: Doc;
  flat: Doc;
}
/** Text held back until just before the next newline: where trailing comments go. */
interface LineSuffix {
  kind: "lineSuffix";
  contents: Doc;
}
interface BreakParent {
  kind: "breakParent";
}

export const group = (contents: Doc): Doc => ({ kind: "group", contents, broken: false });
export const indent = (contents: Doc): Doc => ({ kind: "indent", contents });
export const line: Doc = { kind: "line", soft: false, hard: false };
export const softline: Doc = { kind: "line", soft: true, hard: false };
export const hardline: Doc = { kind: "line", soft: false, hard: true };
export const breakParent: Doc = { kind: "breakParent" };
export const ifBreak = (broken: Doc, flat: Doc = ""): Doc => ({ kind: "ifBreak", broken, flat });
export const lineSuffix = (contents: Doc): Doc => ({ kind: "lineSuffix", contents });

export function join(sep: Doc, docs: readonly Doc[]): Doc[] {
  return docs.flatMap((d, i) => (i === 0 ? [d] : [sep, d]));
}

/** Marks every group that contains a hard line or a breakParent as broken; returns whether `doc` does. */
function propagateBreaks(doc: Doc): boolean {
  if (typeof doc === "string") return false;
  if (Array.isArray(doc)) return doc.map(propagateBreaks).some(Boolean);
  switch (doc.kind) {
    case "group": {
      const inner = propagateBreaks(doc.contents);
      doc.broken ||= inner;
      return doc.broken;
    }
    case "indent":
    case "lineSuffix":
      return propagateBreaks(doc.contents);
    case "ifBreak":
      return [propagateBreaks(doc.broken), propagateBreaks(doc.flat)].some(Boolean);
    case "line":
      return doc.hard;
    case "breakParent":
      return true;
  }
}

type Mode = "flat" | "break";
type Cmd = [indent: number, mode: Mode, doc: Doc];

/**
 * Whether `next` fits in `width` columns. After `next` the rest of the line is measured too (the
 * commands still on the stack, in their own modes), up to the first line that breaks.
 */
function fits(next: Cmd, rest: readonly Cmd[], width: number): boolean {
  const cmds: Cmd[] = [next];
  let restIndex = rest.length;
  while (width >= 0) {
    const cmd = cmds.pop() ?? (restIndex > 0 ? rest[--restIndex] : undefined);
    if (!cmd) return true;
    const [ind, mode, doc] = cmd;
    if (typeof doc === "string") width -= doc.length;
    else if (Array.isArray(doc)) for (let i = doc.length - 1; i >= 0; i--) cmds.push([ind, mode, doc[i]]);
    else if (doc.kind === "group") cmds.push([ind, doc.broken ? "break" : mode, doc.contents]);
    else if (doc.kind === "indent") cmds.push([ind, mode, doc.contents]);
    else if (doc.kind === "ifBreak") cmds.push([ind, mode, mode === "break" ? doc.broken : doc.flat]);
    else if (doc.kind === "line") {
      if (mode === "break" || doc.hard) return true;
      if (!doc.soft) width -= 1;
    }
  }
  return false;
}

/** Lays `doc` out in `width` columns with `tab`-space indentation; trailing spaces are trimmed. */
export function render(doc: Doc, width: number, tab = 2): string {
  propagateBreaks(doc);
  let out = "";
  let column = 0;
  let suffixes: Cmd[] = [];
  const stack: Cmd[] = [[0, "break", doc]];
  for (;;) {
    const cmd = stack.pop();
    if (!cmd) {
      if (!suffixes.length) break;
      stack.push(...suffixes.reverse());
      suffixes = [];
      continue;
    }
    const [ind, mode, d] = cmd;
    if (typeof d === "string") {
      out += d;
      column += d.length;
    } else if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) stack.push([ind, mode, d[i]]);
    } else if (d.kind === "group") {
      const flat: Cmd = [ind, "flat", d.contents];
      if (mode === "flat" && !d.broken) stack.push(flat);
      else stack.push(!d.broken && fits(flat, stack, width - column) ? flat : [ind, "break", d.contents]);
    } else if (d.kind === "indent") {
      stack.push([ind + tab, mode, d.contents]);
    } else if (d.kind === "ifBreak") {
      stack.push([ind, mode, mode === "break" ? d.broken : d.flat]);
    } else if (d.kind === "lineSuffix") {
      suffixes.push([ind, mode, d.contents]);
    } else if (d.kind === "line") {
      if (mode === "flat" && !d.hard) {
        if (!d.soft) {
          out += " ";
          column += 1;
        }
      } else if (suffixes.length) {
        // print the held-back comments first, then come back to this line
        stack.push(cmd, ...suffixes.reverse());
        suffixes = [];
      } else {
        out = trimLineEnd(out) + "\n" + " ".repeat(ind);
        column = ind;
      }
    }
  }
  return trimLineEnd(out);
}

function trimLineEnd(s: string): string {
  let end = s.length;
  while (end > 0 && (s[end - 1] === " " || s[end - 1] === "\t")) end--;
  return s.slice(0, end);
}
