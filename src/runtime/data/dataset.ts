/**
 * The official list format: `labels.csv` (`id,name` header, then one class per line) and `<split>.txt` with lines
 * `relative/path label`, where the path is a video file, a folder of frame images, or a single image.
 * Loading does the cheap checks (syntax, labels, existence); `validateDataset` decodes every entry up front so
 * training can skip the bad ones (`--skip-bad`) or stop before it starts.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { diag, MdlError, withNote, type Diagnostic } from "../../compiler/diagnostics/diagnostic.ts";
import { codes } from "../../compiler/diagnostics/codes.ts";
import type { Span } from "../../compiler/source.ts";
import { isImagePath } from "./image.ts";
import { openSource } from "./clip-reader.ts";

export interface DatasetEntry {
  /** Path as resolved on disk. */
  path: string;
  /** Path as written in the list file. */
  rel: string;
  label: number;
  kind: "video" | "frames" | "image";
  /** Where the entry is listed, for messages. */
  list: string;
  line: number;
  span: Span;
}

export interface Dataset {
  dir: string;
  split: string;
  classes: string[];
  entries: DatasetEntry[];
  /** Entries dropped while loading (malformed line, bad label, missing file). */
  problems: Diagnostic[];
  /** The text of labels.csv and the list, so a CLI can quote lines in diagnostics. */
  sources: { file: string; text: string }[];
}

function readListText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    throw new MdlError(diag("not_found", file, what));
  }
}

/** Lines with their 1-based number and span; blank lines are skipped. */
function lines(file: string, text: string): { no: number; text: string; span: Span }[] {
  const out: { no: number; text: string; span: Span }[] = [];
  let start = 0;
  text.split("\n").forEach((raw, i) => {
    const t = raw.replace(/\r$/, "");
    if (t.trim() !== "") out.push({ no: i + 1, text: t, span: { file, start, end: start + t.length } });
    start += raw.length + 1;
  });
  return out;
}

/**
 * Class names given more than once, compared as CLIP's tokenizer sees them (case and runs of spaces
 * ignored): the same text twice gives two classes that split one probability. Each name with the places it
 * is at (`place(i)` of its indices); at most `shown` names, and how many more.
 */
export function duplicateClasses(
  names: readonly string[],
  shown = 5,
): { name: string; at: number[] }[] & { more?: number } {
  const at = new Map<string, number[]>();
  names.forEach((n, i) => {
    const key = n.toLowerCase().replace(/\s+/g, " ").trim();
    at.set(key, [...(at.get(key) ?? []), i]);
  });
  const dups = [...at.values()].filter((is) => is.length > 1).map((is) => ({ name: names[is[0]], at: is }));
  const out: { name: string; at: number[] }[] & { more?: number } = dups.slice(0, shown);
  if (dups.length > shown) out.more = dups.length - shown;
  return out;
}

const SHOWN_PROBLEMS = 5;

/** `lines 2, 5, 9`, the list capped at 10 with a count of the rest. */
export function places(word: string, nums: readonly number[]): string {
  const rest = nums.length - 10;
  return `${word} ${nums.slice(0, 10).join(", ")}${rest > 0 ? ` and ${rest} more` : ""}`;
}

/** Parse labels.csv. Every problem is collected; the first is thrown with the others attached as notes. */
export function readLabels(file: string, text = readListText(file, "labels file")): string[] {
  const problems: Diagnostic[] = [];
  let more: string | undefined;
  const names = new Map<number, string>();
  const rows = lines(file, text);
  if (rows.length === 0 || rows[0].text.replace(/\s/g, "").toLowerCase() !== "id,name") {
    problems.push(
      diag("bad_labels", rows[0]?.span ?? file, rows[0]?.no ?? 1, "the first line must be the header `id,name`"),
    );
  }
  for (const row of rows.slice(1)) {
    const comma = row.text.indexOf(",");
    const idText = comma < 0 ? row.text.trim() : row.text.slice(0, comma).trim();
    let name = comma < 0 ? "" : row.text.slice(comma + 1).trim();
    if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1).replace(/""/g, '"');
    const id = Number(idText);
    if (comma < 0) problems.push(diag("bad_labels", row.span, row.no, "expected `id,name`"));
    else if (!/^\d+$/.test(idText))
      problems.push(
        diag(
          "bad_labels",
          row.span,
          row.no,
          `class id \`${idText.length > 40 ? idText.slice(0, 40) + "…" : idText}\` is not a whole number`,
        ),
      );
    else if (name === "") problems.push(diag("bad_labels", row.span, row.no, `class ${id} has no name`));
    else if (names.has(id)) problems.push(diag("bad_labels", row.span, row.no, `class id ${id} is defined twice`));
    else names.set(id, name);
  }
  const classes: string[] = [];
  for (let id = 0; id < names.size; id++) {
    const name = names.get(id);
    if (name === undefined) {
      problems.push(
        diag("bad_labels", file, rows.length, `class ids must be 0..${names.size - 1}, but ${id} is missing`),
      );
      break;
    }
    classes.push(name);
  }
  if (problems.length === 0 && classes.length === 0)
    problems.push(diag("bad_labels", file, 1, "no classes are defined"));
  if (problems.length === 0) {
    const lineOf = new Map(rows.slice(1).map((r) => [Number(r.text.slice(0, r.text.indexOf(",")).trim()), r]));
    const dups = duplicateClasses(classes);
    for (const d of dups) {
      const at = d.at.map((id) => lineOf.get(id)!);
      problems.push(
        diag(
          "duplicate_class",
          at[1].span,
          d.name,
          places(
            "lines",
            at.map((r) => r.no),
          ),
        ),
      );
    }
    if (dups.more) more = `${dups.more} more class names are given more than once`;
  }
  if (problems.length) {
    // a file that is not a labels list (a README given by mistake) fails on every line: the first few say why
    const [first, ...rest] = problems;
    const d = rest.slice(0, SHOWN_PROBLEMS).reduce((d, p) => withNote(d, `${p.code}: ${p.message}`, p.span), first);
    const unshown = rest.length - SHOWN_PROBLEMS;
    const counted = unshown > 0 ? withNote(d, `${unshown} more problem${unshown === 1 ? "" : "s"} in this file`) : d;
    throw new MdlError(more ? withNote(counted, more) : counted);
  }
  return classes;
}

function kindOf(path: string): DatasetEntry["kind"] | undefined {
  try {
    const st = statSync(path);
    return st.isDirectory() ? "frames" : isImagePath(path) ? "image" : "video";
  } catch {
    return undefined;
  }
}

/** Read `dir/labels.csv` and `dir/<split>.txt`. Bad list lines become `problems`; a bad labels file throws. */
export function loadDataset(dir: string, split: string): Dataset {
  const labelsFile = join(dir, "labels.csv");
  const labelsText = readListText(labelsFile, "labels file");
  const classes = readLabels(labelsFile, labelsText);
  const list = join(dir, `${split}.txt`);
  const text = readListText(list, `list of the \`${split}\` split`);
  const entries: DatasetEntry[] = [];
  const problems: Diagnostic[] = [];
  for (const row of lines(list, text)) {
    const m = /^\s*(.*\S)\s+(\S+)\s*$/.exec(row.text);
    const bad = (why: string) => problems.push(diag("bad_list", row.span, row.no, why));
    if (!m) {
      bad("expected `relative/path label`");
      continue;
    }
    const [, rel, labelText] = m;
    if (!/^-?\d+$/.test(labelText)) {
      bad(`label \`${labelText}\` is not a whole number`);
      continue;
    }
    const label = Number(labelText);
    if (label < 0 || label >= classes.length) {
      bad(`label ${label} is out of range (labels.csv defines 0..${classes.length - 1})`);
      continue;
    }
    const path = join(dir, rel);
    const kind = kindOf(path);
    if (!kind) {
      bad(`\`${rel}\` does not exist`);
      continue;
    }
    entries.push({ path, rel, label, kind, list, line: row.no, span: row.span });
  }
  return {
    dir,
    split,
    classes,
    entries,
    problems,
    sources: [
      { file: labelsFile, text: labelsText },
      { file: list, text },
    ],
  };
}

/**
 * Decode every entry once: all frames of a PNG folder (cheap), the first and last frame of other folders and of
 * videos (catches corrupt and truncated files). Returns the usable entries and every problem, load problems first.
 */
export async function validateDataset(
  ds: Dataset,
  onEntry?: (done: number, total: number) => void,
): Promise<{ entries: DatasetEntry[]; problems: Diagnostic[] }> {
  const good: DatasetEntry[] = [];
  const problems = [...ds.problems];
  let done = 0;
  for (const entry of ds.entries) {
    try {
      const source = await openSource(entry);
      if (source.count === 0)
        problems.push(diag("bad_list", entry.span, entry.line, `\`${entry.rel}\` holds no frame images`));
      else {
        await source.check();
        good.push(entry);
      }
    } catch (err) {
      // A missing ffmpeg is not a fault of the entry: stop instead of reporting every video.
      if (!(err instanceof MdlError) || err.diagnostic.code === codes.ffmpeg_missing.code) throw err;
      problems.push(withNote(err.diagnostic, `listed in ${entry.list} line ${entry.line}`, entry.span));
    }
    onEntry?.(++done, ds.entries.length);
  }
  return { entries: good, problems };
}
