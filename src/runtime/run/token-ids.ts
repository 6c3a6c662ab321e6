/**
 * Token ids against the embeddings they index, before anything runs. An id past an embedding's last row is
 * a checkpoint made for a smaller vocabulary than the tokenizer's (vocab bound from its shapes); the kernel
 * would otherwise fail mid-run with the engine's own message.
 */
import type { ModelIR, Node } from "../../compiler/0-core/schema.ts";
import { diag, fail, MdlError, withNote } from "../../compiler/diagnostics/diagnostic.ts";
import { traitsOf } from "../../compiler/ops/table.ts";

/** Ops that pass ids through unchanged in value (a view, an integer cast); followed back to the graph input. */
const passesIds = (n: Node) => !!(traitsOf(n.op).view || traitsOf(n.op).convert);

/** For each graph input used as gather ids: the parameter tables it indexes, by input name. */
export function embeddingTables(ir: ModelIR): Map<string, { param: string; rows: number; node: Node }[]> {
  const byId = new Map(ir.graph.nodes.map((n) => [n.id, n]));
  const source = (id: number): string | undefined => {
    for (let n = byId.get(id); n; n = byId.get(n.args[0])) {
      if (n.op === "input") return n.attrs.name;
      if (!passesIds(n) || n.args.length !== 1) return undefined;
    }
    return undefined;
  };
  const out = new Map<string, { param: string; rows: number; node: Node }[]>();
  for (const n of ir.graph.nodes) {
    if (!traitsOf(n.op).lookup) continue;
    const table = byId.get(n.args[0]);
    const input = source(n.args[1]);
    if (table?.op !== "param" || !input) continue;
    const rows = table.type.shape[0];
    if (typeof rows !== "number") continue;
    out.set(input, [...(out.get(input) ?? []), { param: table.attrs.path, rows, node: n }]);
  }
  return out;
}

/** Where flat element `k` sits in a tensor of `shape`, as the user indexes it: `text[1, 5]` (`text[17]` without a shape). */
export function placeOf(name: string, k: number, shape?: readonly number[]): string {
  if (!shape?.length) return `${name}[${k}]`;
  const pos: number[] = [];
  for (let i = shape.length - 1, rest = k; i >= 0; i--) {
    pos.unshift(rest % shape[i]);
    rest = Math.floor(rest / shape[i]);
  }
  return `${name}[${pos.join(", ")}]`;
}

/**
 * Fails, located at the embedding's declaration, when an id of `input` is past the table's last row. `where`
 * names what supplied the ids (the tokenizer, an inputs file) in a note, with the checkpoint `vocab` came from.
 * A negative id fails naming `where` and the id's place (MDL554). `shape` is the ids' own shape, so that a
 * place is given as the user indexes the tensor, not as a flat index.
 */
export function checkTokenIds(
  ir: ModelIR,
  input: string,
  ids: ArrayLike<number | bigint>,
  where: string,
  shape?: readonly number[],
): void {
  const tables = embeddingTables(ir).get(input);
  if (!tables?.length) return;
  let max = -1;
  let maxAt = -1;
  let negative = -1;
  for (let i = 0; i < ids.length; i++) {
    const id = Number(ids[i]);
    if (id > max) [max, maxAt] = [id, i];
    if (id < 0 && negative < 0) negative = i;
  }
  // a negative id reads another row (engines wrap or clamp it) instead of failing: the logits change silently
  if (negative >= 0)
    fail(
      "token_id_range",
      where,
      placeOf(input, negative, shape),
      String(ids[negative]),
      tables[0].param,
      tables[0].rows,
    );
  for (const t of tables) {
    if (max < t.rows) continue;
    // the member that made the table (`token_embedding = Embedding(vocab, width)`) is where a reader looks
    const owner = ir.modules.find((m) => m.params.includes(t.param) && m.loc);
    const span = owner?.loc ?? ir.params.find((q) => q.path === t.param)?.loc ?? t.node.loc;
    let d = diag("vocab_too_small", span ?? ir.file, t.param, t.rows, max);
    d = withNote(
      d,
      `the ids of \`${input}\` come from ${where}; the largest, ${max}, is \`${placeOf(input, maxAt, shape)}\``,
    );
    const set = ir.hyper.find((h) => h.source !== "default" && h.value === t.rows);
    if (set)
      d = withNote(
        d,
        `\`${set.name}\` = ${t.rows} comes from ${set.source === "checkpoint" ? "the shapes of " : `the ${set.source} `}${set.origin ?? ""}`.trimEnd(),
      );
    throw new MdlError(d);
  }
}

/**
 * CLIP's tokenizer gives ids up to `tokenizerVocab - 1`; a model whose `vocab` is smaller cannot embed class
 * names (MDL407), whether it classifies here or in an exported train.py (where torch fails with an IndexError).
 */
export function assertVocabFits(ir: ModelIR, tokenizerVocab: number): void {
  const vocab = ir.hyper.find((h) => h.name === "vocab")?.value;
  if (typeof vocab === "number" && vocab < tokenizerVocab)
    fail(
      "cannot_classify",
      ir.file,
      ir.model,
      `its vocabulary has ${vocab} tokens; CLIP's tokenizer needs ${tokenizerVocab}`,
    );
}
