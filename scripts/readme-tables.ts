/**
 * The README's printed outputs come from the commands that print them. `npm run readme:tables` rewrites:
 *
 * - each fenced block right after a `<!-- output -->` line: its first line is `$ COMMAND`, the rest is what
 *   COMMAND prints now (run by bash in the repository root, `npx mdl` as `node bin/mdl.js`);
 * - the table right after `<!-- demo-table -->`: a copy of docs/demo/table.md, what `npm run demo -- --docs
 *   docs/demo` last wrote (the demo takes minutes, so it is copied, not rerun).
 *
 * `--check` changes nothing and exits 1 when the README differs (test/cli/readme-tables.test.ts does the same).
 * The README's ```sh blocks and the shell they run in are read here too, for test/cli/readme.test.ts.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const README = resolve(ROOT, "README.md");
const OUTPUT = "<!-- output -->";
const DEMO_TABLE = "<!-- demo-table -->";

/**
 * Bash lines that make the README's commands run from a checkout: `npx mdl` is this checkout's bin/mdl.js
 * (what `npx mdl` runs once the package is installed) and torchrun is the one of the Python that has torch.
 */
export function shellPrelude(torchPython = process.env.MDL_TORCH_PYTHON ?? "/usr/bin/python3"): string {
  const bin = JSON.stringify(resolve(ROOT, "bin/mdl.js"));
  return [
    "set -o pipefail",
    `npx() { if [ "$1" = mdl ]; then shift; node ${bin} "$@"; else echo "the README test maps only npx mdl, not npx $1" >&2; return 127; fi; }`,
    `torchrun() { ${JSON.stringify(torchPython)} -m torch.distributed.run "$@"; }`,
    "",
  ].join("\n");
}

/** One command of a ```sh block, continuation lines (`\` at the end) joined. */
export interface ShellLine {
  /** The command as bash runs it (its trailing comment included). */
  text: string;
  /** 1-based line of the README where it starts. */
  line: number;
  /** The trailing comment, without `#`, or "". */
  comment: string;
}

export function shellLines(markdown: string): ShellLine[] {
  const out: ShellLine[] = [];
  const lines = markdown.split("\n");
  let inSh = false;
  let pending: ShellLine | undefined;
  lines.forEach((raw, i) => {
    if (/^```/.test(raw)) {
      inSh = !inSh && raw.trim() === "```sh";
      pending = undefined;
      return;
    }
    if (!inSh) return;
    if (pending) pending.text += " " + raw.trim();
    else if (raw.trim() !== "" && !raw.trim().startsWith("#")) pending = { text: raw.trim(), line: i + 1, comment: "" };
    if (!pending) return;
    if (pending.text.endsWith("\\")) {
      pending.text = pending.text.slice(0, -1).trimEnd();
      return;
    }
    pending.comment = commentOf(pending.text);
    out.push(pending);
    pending = undefined;
  });
  return out;
}

/** The text after the first `#` outside quotes that starts a word, as bash reads a comment. */
function commentOf(cmd: string): string {
  let quote = "";
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i];
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(cmd[i - 1]))) return cmd.slice(i + 1).trim();
  }
  return "";
}

/** Runs one README command line with bash in `cwd`. */
export function runShell(
  cmd: string,
  cwd: string,
  timeoutMs = 600_000,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("bash", ["-c", shellPrelude() + cmd], {
    cwd,
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 << 20,
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
  });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? String(r.error ?? "") };
}

/** The README with every generated block as the commands print it now; `problems` says what could not be run. */
export function regenerate(markdown: string): { text: string; problems: string[] } {
  const lines = markdown.split("\n");
  const problems: string[] = [];
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]);
    if (lines[i].trim() === OUTPUT) {
      const open = i + 1;
      const close = lines.findIndex((l, j) => j > open && l.startsWith("```"));
      const first = lines[open + 1] ?? "";
      if (!lines[open]?.startsWith("```") || close < 0 || !first.startsWith("$ ")) {
        problems.push(`README.md:${i + 1}: ${OUTPUT} must precede a fenced block whose first line is "$ COMMAND"`);
        continue;
      }
      const r = runShell(first.slice(2), ROOT);
      if (r.status !== 0)
        problems.push(`README.md:${open + 2}: \`${first.slice(2)}\` exited ${r.status}:\n${r.stderr.slice(0, 1000)}`);
      out.push(lines[open], first, ...r.stdout.replace(/\n$/, "").split("\n"), lines[close]);
      i = close;
    } else if (lines[i].trim() === DEMO_TABLE) {
      let end = i + 1;
      while (end < lines.length && lines[end].startsWith("|")) end++;
      out.push(...readFileSync(resolve(ROOT, "docs/demo/table.md"), "utf8").replace(/\n$/, "").split("\n"));
      i = end - 1;
    }
  }
  return { text: out.join("\n"), problems };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const before = readFileSync(README, "utf8");
  const { text, problems } = regenerate(before);
  for (const p of problems) console.error(p);
  if (process.argv.includes("--check")) {
    if (text !== before)
      console.error("README.md: generated blocks differ from what their commands print; run `npm run readme:tables`");
    process.exit(text === before && problems.length === 0 ? 0 : 1);
  }
  if (text !== before) writeFileSync(README, text);
  console.log(text === before ? "README.md: generated blocks are up to date" : "README.md: generated blocks rewritten");
  process.exit(problems.length === 0 ? 0 : 1);
}
