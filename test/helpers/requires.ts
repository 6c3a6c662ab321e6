/**
 * Tests that need something optional (ffmpeg, Chromium, PyTorch, a GPU adapter) run only where it is
 * present; elsewhere they are registered with uvu's `skip`, so they count as skipped, and the reason is
 * printed once per missing tool. Never return early from a test body instead: that counts as a pass.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { Test } from "uvu";

const said = new Set<string>();

/**
 * `needs(test, missing)` is `test` when `missing` is undefined, else a function that registers its
 * cases as skipped. `missing` is the reason, e.g. "ffmpeg is not on PATH".
 */
export function needs<T extends Test>(test: T, missing: string | undefined): T["skip"] | T {
  if (missing === undefined) return test;
  return ((name: string, fn: Parameters<T["skip"]>[1]) => {
    if (!said.has(missing)) {
      said.add(missing);
      console.log(`  skip: ${missing}`);
    }
    console.log(`  skipped: ${name}`);
    test.skip(name, fn);
  }) as T["skip"];
}

const memo = <T>(f: () => T): (() => T) => {
  let v: { value: T } | undefined;
  return () => (v ??= { value: f() }).value;
};

/** Why ffmpeg cannot be used here, or undefined when it can. */
export const ffmpegMissing = memo(() =>
  spawnSync("ffmpeg", ["-version"]).status === 0 ? undefined : "ffmpeg is not on PATH (apt-get install ffmpeg)",
);

/** Debian's chromium: the browser the playground tests drive. */
export const CHROMIUM = process.env.MDL_CHROMIUM ?? "/usr/lib/chromium/chromium";
export const chromiumMissing = memo(() =>
  existsSync(CHROMIUM) ? undefined : `Chromium is not at ${CHROMIUM} (apt-get install chromium)`,
);

/** The Python that has Debian's torch (python3-torch installs for /usr/bin/python3, not for a pyenv shim). */
export const TORCH_PYTHON = process.env.MDL_TORCH_PYTHON ?? "/usr/bin/python3";
export const torchMissing = memo(() => {
  const r = spawnSync(TORCH_PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  return r.status === 0
    ? undefined
    : `${TORCH_PYTHON} cannot import torch (apt-get install python3-torch libopenblas0-pthread)`;
});

/** Why that Python cannot run here, or undefined when it can (the exported code's syntax checks need no torch). */
export const pythonMissing = memo(() =>
  spawnSync(TORCH_PYTHON, ["--version"]).status === 0
    ? undefined
    : `${TORCH_PYTHON} is not there (apt-get install python3)`,
);

/** Why pyflakes cannot lint Python here, or undefined when it can. */
export const pyflakesMissing = memo(
  () =>
    pythonMissing() ??
    (spawnSync(TORCH_PYTHON, ["-m", "pyflakes", "--version"]).status === 0
      ? undefined
      : `${TORCH_PYTHON} has no pyflakes (apt-get install python3-pyflakes)`),
);

/**
 * Why webgpu cannot start here (no adapter: no GPU and no SwiftShader), or undefined when it can. Probed in a
 * child process, as `mdl env --backend webgpu` does, so a failing Dawn never touches the test process.
 */
export const webgpuMissing = memo(() => {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "src/cli/main.ts", "env", "--backend", "webgpu", "--json"],
    { encoding: "utf8" },
  );
  if (r.status === 0) return undefined;
  const line =
    (r.stderr ?? "").split("\n").find((l) => l.includes("MDL405")) ??
    `mdl env --backend webgpu exited with ${r.status}`;
  return `no WebGPU adapter (${line.trim()}); install chromium for SwiftShader`;
});
