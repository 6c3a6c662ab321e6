/** Shared by the compiler tests: compile a sample folder or a source string, render what it says. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { compile, type Compiled, type CompileOptions } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { renderAll } from "../../src/compiler/diagnostics/render.ts";
import { SourceFile } from "../../src/compiler/source.ts";
import { loadCheckpoint, shapesOf } from "../../src/runtime/weights/load.ts";

export const MODELS = {
  "models/clip.mdl": readFileSync("models/clip.mdl", "utf8"),
  "models/xclip.mdl": readFileSync("models/xclip.mdl", "utf8"),
};

/** options.json of a sample: compile options, with `weights` a checkpoint path whose shapes bind. */
type SampleOptions = Omit<CompileOptions, "weights"> & { weights?: string };

/** Compile `dir/input.mdl` with every .mdl file of the folder (and models/) readable by path. */
export function compileSample(dir: string): Compiled {
  const files: Record<string, string> = { ...MODELS };
  for (const f of readdirSync(dir)) if (f.endsWith(".mdl")) files[`${dir}/${f}`] = readFileSync(`${dir}/${f}`, "utf8");
  const raw: SampleOptions = existsSync(`${dir}/options.json`)
    ? JSON.parse(readFileSync(`${dir}/options.json`, "utf8"))
    : {};
  const { weights, ...opts } = raw;
  const w = weights ? { weights: { file: weights, shapes: shapesOf(loadCheckpoint(weights)) } } : {};
  return compile(`${dir}/input.mdl`, memoryHost(files), { ...opts, ...w });
}

export function compileText(text: string, opts: CompileOptions = {}): Compiled {
  return compile("input.mdl", memoryHost({ "input.mdl": text, ...MODELS }), opts);
}

/** Every diagnostic in the house format, excerpts included. */
export function rendered(r: Compiled): string {
  const lookup = (name: string) => {
    const text = r.program.files.get(name)?.text ?? r.extraSources.get(name);
    return text === undefined ? undefined : new SourceFile(name, text);
  };
  return renderAll(r.diagnostics, lookup);
}

/** The sample folders that expect diagnostics: their names start with `error-`. */
export function errorSamples(): string[] {
  const out: string[] = [];
  for (const phase of ["syntax", "resolve", "check", "ir", "compiler"]) {
    const root = `test/${phase}/samples`;
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root).sort()) if (name.startsWith("error-")) out.push(`${root}/${name}`);
  }
  return out;
}
