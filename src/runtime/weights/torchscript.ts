/**
 * `torch.jit.save` archives (OpenAI's CLIP release files are these) read as weights. Beside the storages:
 *   data.pkl       the module tree: objects of `__torch__.*` classes, each with the attribute dict BUILD gives
 *                  it (parameters, buffers, submodules, plain values such as `training`);
 *   constants.pkl  a tuple of the values the traced code uses (tensors under constants/: attention masks, ...);
 *   code/          each class's TorchScript source, of which only the `__parameters__` / `__buffers__` name
 *                  lists are read (torchscript-code.ts).
 * Parameters are named by module path, as `module.state_dict()` names them, in its order. Buffers, tensor
 * attributes and constants are recognised and left out, with a note. `__torch__` classes are known only here,
 * as inert objects that may be built but never called; a torch.save pickle still refuses them.
 */
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { PyDict, PyObject, describe, unpickle, type GlobalBuilder } from "./pickle.ts";
import { TORCH_GLOBALS, TensorRef, materialize, zipStorages } from "./torch-objects.ts";
import { classNames, codeEntry, type ClassNames } from "./torchscript-code.ts";
import type { HostTensor } from "./tensor.ts";
import type { ZipEntries } from "./zip.ts";

/** An object of a TorchScript class, never constructed for real: its attributes are its BUILD state. */
export class ScriptObject extends PyObject {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {
    super(`${module}.${name}`, []);
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The torch.save allow-list, plus `__torch__.<identifiers>` classes built by NEWOBJ with no arguments. */
class ScriptGlobals extends Map<string, GlobalBuilder> {
  constructor(private readonly file: string) {
    super(TORCH_GLOBALS);
  }

  override get(qualified: string): GlobalBuilder | undefined {
    const known = super.get(qualified);
    const parts = qualified.split(".");
    if (known || parts[0] !== "__torch__" || parts.length < 2 || !parts.every((p) => IDENTIFIER.test(p))) return known;
    const module = parts.slice(0, -1).join("."),
      name = parts[parts.length - 1];
    return {
      construct: (args) =>
        args.length
          ? fail(
              "corrupt",
              this.file,
              `\`${qualified}\` is built with arguments; a TorchScript module object takes none`,
            )
          : new ScriptObject(module, name),
    };
  }
}

export function isTorchScript(entries: ZipEntries, prefix: string): boolean {
  return entries.has(`${prefix}constants.pkl`) || entries.names().some((n) => n.startsWith(`${prefix}code/`));
}

/** Bounds on the walk: a hostile pickle can share one submodule under many names at every level. */
const MAX_DEPTH = 1000,
  MAX_WORK = 2_000_000;

export function decodeTorchScript(
  entries: ZipEntries,
  prefix: string,
  file: string,
): { tensors: Map<string, HostTensor>; notes: string[] } {
  const globals = new ScriptGlobals(file);
  const root = unpickle(entries.get(`${prefix}data.pkl`)!, 0, {
    file,
    globals,
    persistentLoad: zipStorages(entries, `${prefix}data/`, file),
  }).value;
  const constants = entries.get(`${prefix}constants.pkl`);
  // Read through the plain allow-list so a hostile constants.pkl is refused too; its tensors are never copied.
  const consts = constants
    ? unpickle(constants, 0, {
        file,
        globals: TORCH_GLOBALS,
        persistentLoad: zipStorages(entries, `${prefix}constants/`, file),
      }).value
    : [];

  const defs = new Map<string, ClassNames>();
  const namesOf = (obj: ScriptObject): ClassNames => {
    let d = defs.get(obj.cls);
    if (!d) {
      const entry = codeEntry(prefix, obj.module);
      const text = entries.get(entry);
      if (!text)
        fail("corrupt", file, `data.pkl has an object of class \`${obj.cls}\`, but \`${entry}\` is not in the archive`);
      defs.set(obj.cls, (d = classNames(new TextDecoder().decode(text), obj.name, entry, file)));
    }
    return d;
  };
  const isModule = (v: unknown): v is ScriptObject => v instanceof ScriptObject && namesOf(v).parameters !== undefined;
  if (!isModule(root))
    fail(
      "unknown_format",
      file,
      `a TorchScript archive (code/ beside data.pkl) whose data.pkl holds ${describe(root)}, not a module`,
    );

  const tensors = new Map<string, HostTensor>();
  const copies = new Map<TensorRef, HostTensor>();
  const buffers: string[] = [],
    attributes: string[] = [];
  const onPath = new Set<ScriptObject>();
  let work = 0;

  const visit = (obj: ScriptObject, path: string) => {
    const where = path ? `module \`${path.length > 100 ? `${path.slice(0, 100)}...` : path}\`` : "the top module";
    if (onPath.has(obj)) fail("corrupt", file, `the module tree has a cycle: ${where} contains itself`);
    if (onPath.size >= MAX_DEPTH)
      fail("corrupt", file, `the module tree is more than ${MAX_DEPTH} levels deep at ${where}`);
    const attrs =
      obj.state instanceof PyDict
        ? obj.state.map
        : fail("corrupt", file, `${where} (${obj.cls}) has no attribute dict`);
    const { parameters = [], buffers: ownBuffers = [] } = namesOf(obj);
    work += 1 + attrs.size + parameters.length;
    if (work > MAX_WORK)
      fail(
        "corrupt",
        file,
        `the module tree repeats itself past ${MAX_WORK} modules and attributes (shared submodules at every level?)`,
      );
    const full = (name: string) => (path ? `${path}.${name}` : name);
    for (const name of parameters) {
      if (!attrs.has(name))
        fail("corrupt", file, `class \`${obj.cls}\` lists parameter \`${name}\`, but ${where} has no such attribute`);
      const v = attrs.get(name);
      if (v === null) continue; // an optional parameter left unset (a Linear without bias): state_dict skips it too
      if (!(v instanceof TensorRef))
        fail("corrupt", file, `parameter \`${full(name)}\` is ${describe(v)}, not a tensor`);
      let t = copies.get(v);
      if (!t) copies.set(v, (t = materialize(v, full(name), file)));
      tensors.set(full(name), t);
    }
    for (const name of ownBuffers) if (attrs.get(name) instanceof TensorRef) buffers.push(full(name));
    const listed = new Set([...parameters, ...ownBuffers]);
    onPath.add(obj);
    for (const [key, v] of attrs) {
      const name = String(key);
      if (listed.has(name)) continue;
      if (isModule(v)) visit(v, full(name));
      else if (v instanceof TensorRef || v instanceof PyObject) attributes.push(full(name));
    }
    onPath.delete(obj);
  };
  visit(root, "");

  const notes: string[] = [];
  const some = (names: string[]) => names.slice(0, 8).join(", ") + (names.length > 8 ? ", ..." : "");
  if (buffers.length)
    notes.push(
      `TorchScript archive: ignored ${plural(buffers.length, "buffer")}, state that is not a parameter: ${some(buffers)}`,
    );
  if (attributes.length)
    notes.push(
      `TorchScript archive: ignored ${plural(attributes.length, "attribute")} that ` +
        `${attributes.length === 1 ? "is" : "are"} neither parameter nor buffer: ${some(attributes)}`,
    );
  const constTensors = Array.isArray(consts) ? consts.filter((c) => c instanceof TensorRef).length : 0;
  if (constTensors)
    notes.push(
      `TorchScript archive: ignored constants.pkl, ${plural(constTensors, "tensor")} the traced code uses (attention masks and the like), not parameters`,
    );
  return { tensors, notes };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
