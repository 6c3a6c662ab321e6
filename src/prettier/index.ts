/**
 * The prettier plugin for .mdl files: `prettier --plugin ./src/prettier/plugin.mjs models/`.
 * It prints through the compiler's own printer (print.ts), so prettier and `mdl fmt` write the same
 * canonical text, 100 columns wide whatever printWidth says: one form, whichever tool wrote it.
 * Plain prettier cannot load TypeScript, so plugin.mjs loads this file bundled (built at first use).
 */
import type { Parser, Plugin, Printer, SupportLanguage } from "prettier";
import { parseSource } from "../compiler/1-syntax/parse.ts";
import { printSource, type Comment } from "../compiler/1-syntax/print.ts";
import type { FileAst } from "../compiler/1-syntax/ast.ts";
import { SourceFile } from "../compiler/source.ts";

/** What the parser hands the printer. Comments sit under `notes` so that prettier's own comment attachment leaves them alone. */
interface MdlRoot {
  kind: "MdlRoot";
  file: FileAst;
  notes: Comment[];
  text: string;
}

/** A syntax error as prettier reports it: message plus a 1-based `loc`, from which it draws a code frame. */
class MdlSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly loc: { start: { line: number; column: number } },
  ) {
    super(message);
    this.name = "MdlSyntaxError";
  }
}

const languages: SupportLanguage[] = [
  { name: "mdl", parsers: ["mdl"], extensions: [".mdl"], vscodeLanguageIds: ["mdl"] },
];

const parser: Parser<MdlRoot> = {
  astFormat: "mdl",
  parse(text, options) {
    const name = options.filepath ?? "<input>";
    const parsed = parseSource(name, text);
    const first = parsed.diagnostics.find((d) => d.severity === "error");
    if (first) {
      const at = new SourceFile(name, text).position(first.span?.start ?? 0);
      throw new MdlSyntaxError(`${first.code}: ${first.message}`, { start: { line: at.line, column: at.column } });
    }
    return { kind: "MdlRoot", file: parsed.value, notes: parsed.comments, text };
  },
  locStart: () => 0,
  locEnd: (node) => node.text.length,
};

const printer: Printer<MdlRoot> = {
  print(path) {
    const root = path.node;
    return printSource(root.file, root.notes, root.text);
  },
};

const plugin: Plugin<MdlRoot> = { languages, parsers: { mdl: parser }, printers: { mdl: printer } };
export default plugin;
export { languages, parser as mdlParser, printer as mdlPrinter };
