import { SourceFile } from "../source.ts";
import type { Diagnostic } from "./diagnostic.ts";

/**
 * Render in the house format:
 *   models/xclip.mdl:14:9: error MDL301: shape mismatch ...
 *     14 |     z = z + mean(z, axis: 1)
 *        |         ^^^^^^^^^^^^^^^^^^^^
 */
export function renderDiagnostic(d: Diagnostic, lookup: (file: string) => SourceFile | undefined = () => undefined): string {
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

function excerpt(src: SourceFile, start: number, end: number): string[] {
  const a = src.position(start);
  const b = src.position(Math.max(start, end - 1));
  const width = String(a.line).length;
  const text = src.line(a.line);
  const lines: string[] = [];
  if (a.line > 1 && src.line(a.line - 1).trim() !== "") {
    lines.push(`  ${String(a.line - 1).padStart(width)} | ${src.line(a.line - 1)}`);
  }
  lines.push(`  ${String(a.line).padStart(width)} | ${text}`);
  const caretEnd = b.line === a.line ? b.column : text.length;
  const n = Math.max(1, caretEnd - a.column + 1);
  lines.push(`  ${" ".repeat(width)} | ${" ".repeat(a.column - 1)}${"^".repeat(n)}`);
  return lines;
}

export function renderAll(ds: readonly Diagnostic[], lookup?: (file: string) => SourceFile | undefined): string {
  return ds.map((d) => renderDiagnostic(d, lookup)).join("\n");
}
