// Preloaded into the test process by scripts/run-tests.mjs (issue 26.2's acceptance): every `mdl` the suite spawns
// (bin/mdl.js, or src/cli/main.ts through tsx) that fails, exit 2 or more, must say so in under 2 KB of stderr.
// Exit 1 is a check that found what it reports (diagnostics, differences) and a test's own kill is no failure of mdl.
// spawnSync throws in the test that ran it; spawn's children are judged on close and fail the run at exit.
import childProcess from "node:child_process";
import { syncBuiltinESMExports } from "node:module";

export const LIMIT = 2048;
const violations = [];

const isMdl = (args) =>
  Array.isArray(args) && args.some((a) => typeof a === "string" && /(^|\/)(bin\/mdl\.js|src\/cli\/main\.ts)$/.test(a));

/** Why a finished mdl run breaks the rule, or undefined. */
export function judge(args, status, stderr) {
  const bytes = Buffer.byteLength(stderr ?? "");
  if (typeof status !== "number" || status < 2 || bytes < LIMIT) return undefined;
  return `mdl ${args
    .filter((a) => !a.startsWith("--import") && a !== "tsx")
    .join(" ")
    .slice(
      0,
      200,
    )} exited ${status} with ${bytes} bytes of stderr (a failure must say it in under ${LIMIT}):\n${String(stderr).slice(0, 600)}`;
}

const { spawnSync, spawn } = childProcess;

childProcess.spawnSync = function (file, args, opts) {
  const r = spawnSync.apply(this, arguments);
  if (isMdl(args) && r.stderr != null) {
    const why = judge(args, r.status, String(r.stderr));
    if (why) throw new Error(why);
  }
  return r;
};

childProcess.spawn = function (file, args, opts) {
  const child = spawn.apply(this, arguments);
  if (isMdl(args) && child.stderr) {
    let stderr = "";
    child.stderr.on("data", (c) => {
      if (stderr.length < 4 * LIMIT) stderr += c;
    });
    child.on("close", (code) => {
      const why = judge(args, code, stderr);
      if (why) violations.push(why);
    });
  }
  return child;
};

syncBuiltinESMExports();
globalThis.__mdlStderrGuard = { judge, LIMIT };

process.on("exit", () => {
  if (!violations.length) return;
  process.stderr.write(
    `\nstderr guard: ${violations.length} failing mdl run(s) printed ${LIMIT} bytes or more:\n${violations.join("\n\n")}\n`,
  );
  process.exitCode = 1;
});
