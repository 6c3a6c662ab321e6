/** Offsets in a text <-> LSP positions (0-based line, UTF-16 character: what JS string indices already are). */
export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

export function toPosition(text: string, offset: number): Position {
  const starts = lineStarts(text);
  let line = 0;
  while (line + 1 < starts.length && starts[line + 1] <= offset) line++;
  return { line, character: Math.min(offset, text.length) - starts[line] };
}

export function toOffset(text: string, p: Position): number {
  const starts = lineStarts(text);
  const start = starts[Math.min(p.line, starts.length - 1)];
  return Math.min(start + p.character, text.length);
}

export const toRange = (text: string, start: number, end: number): Range => ({
  start: toPosition(text, start),
  end: toPosition(text, end),
});

/** The dotted name under the cursor (`transformer.resblocks`), with its span; undefined off a name. */
export function wordAt(text: string, offset: number): { word: string; start: number; end: number } | undefined {
  const isWord = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_.]/.test(c);
  let start = offset;
  let end = offset;
  while (start > 0 && isWord(text[start - 1])) start--;
  while (isWord(text[end])) end++;
  const word = text.slice(start, end).replace(/^\.+|\.+$/g, "");
  return /^[A-Za-z_]/.test(word) ? { word, start, end } : undefined;
}
