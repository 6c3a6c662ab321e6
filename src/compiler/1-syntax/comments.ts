/**
 * Where the comments of a file go when it is printed. The AST holds no comments, so the printer
 * hands out each comment at the first list boundary after it (before the next member, statement,
 * argument..., or before a list's closing bracket): one on the line of the item before it trails
 * that item, any other stands on its own line before the next item. A comment inside an expression
 * with no boundary in it therefore moves to the next boundary, where it stays on later runs.
 */
import type { Doc } from "./doc.ts";

export interface Comment {
  text: string;
  start: number;
  end: number;
}

export interface Item {
  start: number;
  end: number;
  print: () => Doc;
}

export interface Slot {
  start: number;
  doc: Doc;
  /** Own-line comments before the item. */
  leading: Comment[];
  /** A comment after the item on its last line. */
  trailing: Comment[];
}

export interface Slots {
  /** Comments on the line of the opening bracket, before the first item. */
  open: Comment[];
  items: Slot[];
  /** Own-line comments after the last item, before the closing bracket. */
  dangling: Comment[];
}

/** Where a list ends: a known offset of its closer, "scan" to find it after the last item, or "none". */
export type Close = number | "scan" | "none";

export class CommentQueue {
  private next = 0;
  private readonly comments: Comment[];

  constructor(
    private readonly text: string,
    comments: readonly Comment[],
  ) {
    this.comments = [...comments].sort((a, b) => a.start - b.start).map((c) => ({ ...c, text: c.text.trimEnd() }));
  }

  /** Every comment not yet handed out that starts before `offset`. */
  take(offset: number): Comment[] {
    const out: Comment[] = [];
    while (this.next < this.comments.length && this.comments[this.next].start < offset)
      out.push(this.comments[this.next++]);
    return out;
  }

  /** The number of line breaks in the whitespace just before `offset` (Infinity at the start of the file). */
  breaksBefore(offset: number): number {
    let breaks = 0;
    let i = offset - 1;
    for (; i >= 0 && /\s/.test(this.text[i]); i--) if (this.text[i] === "\n") breaks++;
    return i < 0 ? Infinity : breaks;
  }

  blankBefore(offset: number): boolean {
    const n = this.breaksBefore(offset);
    return n >= 2 && n !== Infinity;
  }

  /** The offset of a list's closer: the first character after `from` that is not blank, a separator or a comment. */
  private scanClose(from: number): number {
    let i = from;
    while (i < this.text.length) {
      const ch = this.text[i];
      if (ch === "#") while (i < this.text.length && this.text[i] !== "\n") i++;
      else if (/[\s,;]/.test(ch)) i++;
      else break;
    }
    return i;
  }

  /** Prints the items in order, handing each the comments before it. */
  collect(items: readonly Item[], close: Close): Slots {
    const slots: Slots = { open: [], items: [], dangling: [] };
    let prevEnd = -1;
    const place = (c: Comment, own: Comment[]) => {
      const prev = slots.items[slots.items.length - 1];
      const slot = prev ? prev.trailing : slots.open;
      // one comment fits at the end of a line; and once one stands on its own line, the later ones
      // must too, or they would print before it
      const trails = c.start >= prevEnd && this.breaksBefore(c.start) === 0 && !slot.length && !own.length;
      (trails ? slot : own).push(c);
    };
    for (const item of items) {
      const leading: Comment[] = [];
      for (const c of this.take(item.start)) place(c, leading);
      slots.items.push({ start: item.start, doc: item.print(), leading, trailing: [] });
      prevEnd = item.end;
    }
    const last = items[items.length - 1];
    const closer =
      close === "scan" ? (last ? this.scanClose(last.end) : undefined) : close === "none" ? undefined : close;
    if (closer !== undefined) for (const c of this.take(closer)) place(c, slots.dangling);
    return slots;
  }
}
