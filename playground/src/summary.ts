/** The summary panel: `mdl summary`'s module tree (output shapes, parameters, MACs) as a table. */
import { analyze } from "../../src/compiler/4-ir/analyze.ts";
import type { ModelIR } from "../../src/compiler/4-ir/schema.ts";
import { human } from "../../src/tools/diff/print.ts";

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderSummary(el: HTMLElement, ir: ModelIR, depth = 2): void {
  const stats = analyze(ir);
  const hyper = ir.hyper.filter((h) => h.source !== "default").map((h) => `${h.name}=${h.value} (${h.source})`);
  const rows = stats.modules
    .filter((m) => m.depth <= depth)
    .map(
      (m) =>
        `<tr><td>${esc("  ".repeat(m.depth) + (m.path ? m.path.split(".").pop()! : ir.model))}</td><td>${esc(m.block)}</td>` +
        `<td>${m.output ? esc(`[${m.output.shape.join(", ")}]`) : ""}</td><td class="num">${human(m.params)}</td><td class="num">${human(m.macs)}</td></tr>`,
    );
  const symbols = ir.symbols.map((s) => `${s}=1`).join(", ") || "one sample";
  el.innerHTML =
    `<p><strong>${esc(ir.model)}</strong>${ir.preset ? ` [${esc(ir.preset)}]` : ""} ${esc(hyper.join(", "))}</p>` +
    `<table><thead><tr><th>module</th><th>block</th><th>output</th><th class="num">params</th><th class="num">MACs</th></tr></thead><tbody>${rows.join("")}` +
    `<tr class="total"><td>total (${esc(symbols)})</td><td></td><td></td>` +
    `<td class="num" id="total-params" data-value="${stats.total.params}">${human(stats.total.params)}</td>` +
    `<td class="num" id="total-macs" data-value="${stats.total.macs}">${human(stats.total.macs)}</td></tr></tbody></table>`;
}
