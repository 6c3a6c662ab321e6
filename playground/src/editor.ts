/** The CodeMirror 6 editor: .mdl highlighting, and the compiler's diagnostics as inline marks. */
import { basicSetup } from "codemirror";
import { EditorView } from "@codemirror/view";
import { EditorState } from "@codemirror/state";
import { lintGutter, setDiagnostics, type Diagnostic as CmDiagnostic } from "@codemirror/lint";
import { mdlHighlight } from "./highlight.ts";
import type { ShownDiagnostic } from "./protocol.ts";

export interface Editor {
  view: EditorView;
  setText(text: string): void;
  /** Marks the diagnostics that have a span in `file` (the one being edited). */
  showDiagnostics(file: string, ds: readonly ShownDiagnostic[]): void;
}

export function createEditor(parent: HTMLElement, onChange: (text: string) => void): Editor {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: "",
      extensions: [
        basicSetup,
        mdlHighlight,
        lintGutter(),
        EditorView.updateListener.of((u) => u.docChanged && onChange(u.state.doc.toString())),
      ],
    }),
  });
  return {
    view,
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    showDiagnostics(file, ds) {
      const len = view.state.doc.length;
      const marks: CmDiagnostic[] = ds
        .filter((d) => d.start !== undefined && d.file === file && d.severity !== "note")
        .map((d) => {
          const from = Math.min(d.start!, len);
          return {
            from,
            to: Math.min(Math.max(d.end!, from), len),
            severity: d.severity === "error" ? "error" : "warning",
            source: d.code,
            message: d.message + (d.hint ? `\n${d.hint}` : ""),
          };
        });
      view.dispatch(setDiagnostics(view.state, marks));
    },
  };
}
