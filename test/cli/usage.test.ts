/** Usage mistakes get one line and where to look (exit 2), not the whole help on stderr; --version says the package's. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { about, type CommandName } from "../../src/cli/about.ts";
import { commands } from "../../src/cli/commands.ts";

const mdl = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/mdl.js", ...args], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });

test("an unknown command or flag: exit 2, the mistake and a pointer to --help, in a few lines", () => {
  for (const [args, said] of [
    [["bogus"], "unknown command 'bogus'"],
    [["check", "--bogus", "x.mdl"], "unknown option '--bogus'"],
  ] as const) {
    const r = mdl(...args);
    assert.is(r.status, 2, args.join(" "));
    assert.ok(r.stderr.includes(`error: ${said}`), r.stderr);
    assert.ok(r.stderr.includes("mdl --help"), r.stderr);
    assert.ok(r.stderr.trim().split("\n").length <= 3, r.stderr);
    assert.is(r.stdout, "");
  }
});

test("--version prints package.json's version", () => {
  const r = mdl("--version");
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), JSON.parse(readFileSync("package.json", "utf8")).version);
});

test("the overall help, written from about.ts without loading a command, lists what each command registers", async () => {
  const help = mdl("--help");
  assert.is(help.status, 0, help.stderr);
  const real = new Command("mdl");
  for (const load of Object.values(commands)) (await load()).register(real);
  assert.equal(real.commands.map((c) => c.name()).sort(), Object.keys(about).sort());
  for (const cmd of real.commands) {
    const { args, text } = about[cmd.name() as CommandName];
    assert.is(real.createHelp().subcommandTerm(cmd), `${cmd.name()} ${args}`.trim(), cmd.name());
    assert.is(cmd.description(), text, cmd.name());
    // the listing (commander wraps descriptions) names the command with its arguments and starts its text
    assert.ok(help.stdout.includes(`  ${`${cmd.name()} ${args}`.trim()}  `), `${cmd.name()} in\n${help.stdout}`);
    assert.ok(help.stdout.replace(/\s+/g, " ").includes(text.replace(/\s+/g, " ").slice(0, 30)), cmd.name());
  }
});

test("mdl help NAME shows that command's own help, options included", () => {
  const r = mdl("help", "check");
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: mdl check \[options\] <files\.\.\.>/);
  assert.match(r.stdout, /--all-presets/);
});

test.run();
