import { SourceFile } from "../source.ts";
import type { Diagnostic } from "./diagnostic.ts";

/**
 * Render in the house format:
 *   models/xclip.mdl:14:9: error MDL301: shape mismatch ...
 *     14 |     z = z + mean(z, axis: 1)
 *        |         ^^^^^^^^^^^^^^^^^^^^
 */
export function renderDiagnostic(
  d: Diagnostic,
  lookup: (file: string) => SourceFile | undefined = () => undefined,
): string {
  const out: string[] = [];
  const src = d.file ? lookup(d.file) : undefined;
  let head = "";
  if (d.file) {
    head = d.file;
    if (d.span && src) {
      const p = src.position(d.span.start);
      head += `:${p.line}:${p.column}`;
    }
    head += ": ";
  }
  out.push(`${head}${d.severity} ${d.code}: ${d.message}`);
  if (d.span && src) out.push(...excerpt(src, d.span.start, d.span.end));
  for (const n of d.notes ?? []) {
    const nsrc = n.span ? lookup(n.span.file) : undefined;
    if (n.span && nsrc) {
      const p = nsrc.position(n.span.start);
      out.push(`  ${n.span.file}:${p.line}:${p.column}: note: ${n.message}`);
      out.push(...excerpt(nsrc, n.span.start, n.span.end));
    } else out.push(`  note: ${n.message}`);
  }
  if (d.hint) out.push(`  = help: ${d.hint}`);
  return out.join("\n");
}

/** Lines longer than this are cut to a window around the caret (a generated or hostile file can have 40,000-character lines). */
const MAX_LINE = 160;

function excerpt(src: SourceFile, start: number, end: number): string[] {
  const a = src.position(start);
  const b = src.position(Math.max(start, end - 1));
  const width = String(a.line).length;
  const lines: string[] = [];
  if (a.line > 1 && src.line(a.line - 1).trim() !== "") {
    lines.push(`  ${String(a.line - 1).padStart(width)} | ${clip(src.line(a.line - 1), 0).text}`);
  }
  const full = src.line(a.line);
  const { text, shift } = clip(full, a.column - 1);
  lines.push(`  ${String(a.line).padStart(width)} | ${text}`);
  const caretEnd = b.line === a.line ? b.column : full.length;
  const n = Math.min(Math.max(1, caretEnd - a.column + 1), text.length - (a.column - 1 - shift));
  lines.push(`  ${" ".repeat(width)} | ${" ".repeat(a.column - 1 - shift)}${"^".repeat(Math.max(1, n))}`);
  return lines;
}

/** A window of a long line that keeps column `at` in view; `shift` is how many characters the window moved the caret left. */
function clip(line: string, at: number): { text: string; shift: number } {
  if (line.length <= MAX_LINE) return { text: line, shift: 0 };
  const from = Math.max(0, Math.min(at - 40, line.length - MAX_LINE));
  const head = from > 0 ? "..." : "";
  const body = line.slice(from, from + MAX_LINE);
  return { text: head + body + (from + MAX_LINE < line.length ? "..." : ""), shift: from - head.length };
}

export function renderAll(ds: readonly Diagnostic[], lookup?: (file: string) => SourceFile | undefined): string {
  return ds.map((d) => renderDiagnostic(d, lookup)).join("\n");
}

/** How many diagnostics a terminal shows of one report; the rest are counted, not rendered. */
export const SHOWN_DIAGNOSTICS = 50;

/**
 * The first `max` diagnostics rendered, then one line counting the rest by severity: 3,400 errors (one
 * per copied block) print 50 excerpts and "... and 3,350 more errors", not 14,000 lines.
 */
export function renderCapped(
  ds: readonly Diagnostic[],
  lookup?: (file: string) => SourceFile | undefined,
  max = SHOWN_DIAGNOSTICS,
): string[] {
  const out = ds.slice(0, max).map((d) => renderDiagnostic(d, lookup));
  if (ds.length <= max) return out;
  const counts = new Map<string, number>();
  for (let i = max; i < ds.length; i++) counts.set(ds[i].severity, (counts.get(ds[i].severity) ?? 0) + 1);
  const words = [...counts].map(
    ([severity, n]) => `${n.toLocaleString("en-US")} more ${severity}${n === 1 ? "" : "s"}`,
  );
  out.push(`... and ${words.join(", ")} not shown (the first ${max} are)`);
  return out;
}
