/** The summary panel: `mdl summary`'s module tree (output shapes, parameters, MACs) as a table. */
import { human } from "../../src/tools/diff/print.ts";
import type { Summary } from "./protocol.ts";

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderSummary(el: HTMLElement, s: Summary): void {
  const rows = s.rows.map(
    (m) =>
      `<tr><td>${esc("  ".repeat(m.depth) + m.name)}</td><td>${esc(m.block)}</td><td>${esc(m.output)}</td>` +
      `<td class="num">${human(m.params)}</td><td class="num">${human(m.macs)}</td></tr>`,
  );
  el.innerHTML =
    `<p><strong>${esc(s.model)}</strong>${s.preset ? ` [${esc(s.preset)}]` : ""} ${esc(s.hyper.join(", "))}</p>` +
    `<table><thead><tr><th>module</th><th>block</th><th>output</th><th class="num">params</th><th class="num">MACs</th></tr></thead><tbody>${rows.join("")}` +
    `<tr class="total"><td>total (${esc(s.symbols)})</td><td></td><td></td>` +
    `<td class="num" id="total-params" data-value="${s.total.params}">${human(s.total.params)}</td>` +
    `<td class="num" id="total-macs" data-value="${s.total.macs}">${human(s.total.macs)}</td></tr></tbody></table>`;
}
