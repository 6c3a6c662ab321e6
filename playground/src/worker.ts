/**
 * The compiler, off the page's main thread: typing never waits for a compile. Holds the page's files
 * (the repo's models and variants, with the editor's changes) and answers checks, summaries, DOT, diffs
 * and IR for running.
 */
import { analyze } from "../../src/compiler/4-ir/analyze.ts";
import { hasErrors, type Diagnostic } from "../../src/compiler/diagnostics/diagnostic.ts";
import { renderDiagnostic } from "../../src/compiler/diagnostics/render.ts";
import type { ModelIR } from "../../src/compiler/0-core/schema.ts";
import { toDot } from "../../src/tools/viz/dot.ts";
import { diffText } from "./diff.ts";
import { compileForCheckpoint } from "./run-config.ts";
import type { Checked, Replies, Request, ShownDiagnostic, Summary } from "./protocol.ts";
import { compileFile, fileNames, files, modelEntries, presetsOf, sourceLookup } from "./workspace.ts";

function summary(ir: ModelIR, depth = 2): Summary {
  const stats = analyze(ir);
  return {
    model: ir.model,
    preset: ir.preset,
    hyper: ir.hyper.filter((h) => h.source !== "default").map((h) => `${h.name}=${h.value} (${h.source})`),
    symbols: ir.symbols.map((s) => `${s}=1`).join(", ") || "one sample",
    rows: stats.modules
      .filter((m) => m.depth <= depth)
      .map((m) => ({
        depth: m.depth,
        name: m.path ? m.path.split(".").pop()! : ir.model,
        block: m.block,
        output: m.output ? `[${m.output.shape.join(", ")}]` : "",
        params: m.params,
        macs: m.macs,
      })),
    total: stats.total,
  };
}

function shown(ds: Diagnostic[], lookup: ReturnType<typeof sourceLookup>): ShownDiagnostic[] {
  return ds.map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    hint: d.hint,
    file: d.span?.file ?? d.file,
    start: d.span?.start,
    end: d.span?.end,
    rendered: renderDiagnostic(d, lookup),
  }));
}

function answer(req: Request): Replies[Request["kind"]] {
  switch (req.kind) {
    case "edit":
      files[req.file] = req.text;
      return null;
    case "check": {
      const t0 = performance.now();
      const { entry, ...opts } = req.opts;
      const c = compileFile(entry, opts);
      const ok = !!c.value && !hasErrors(c.diagnostics);
      const out: Checked = {
        ok,
        ms: performance.now() - t0,
        diagnostics: shown(c.diagnostics, sourceLookup(c)),
        presets: presetsOf(c),
      };
      if (ok) out.summary = summary(c.value!);
      if (ok && req.dot) out.dot = toDot(c.value!, { depth: 2 });
      return out;
    }
    case "entries":
      return { files: fileNames(), models: modelEntries() };
    case "diff":
      return diffText(req.a, req.b);
    case "ir": {
      const { compiled: c, config } = compileForCheckpoint(req.opts, { weights: req.weights, inputs: req.inputs });
      const ok = !!c.value && !hasErrors(c.diagnostics);
      return {
        ir: ok ? c.value : undefined,
        errors: ok
          ? ""
          : shown(c.diagnostics, sourceLookup(c))
              .map((d) => d.rendered)
              .join("\n"),
        config,
      };
    }
  }
}

self.onmessage = (e: MessageEvent<{ id: number; req: Request }>) => {
  const { id, req } = e.data;
  try {
    self.postMessage({ id, value: answer(req) });
  } catch (err) {
    self.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
