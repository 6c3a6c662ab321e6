/**
 * `npm run vscode:package`: bundles the VS Code client (editors/vscode/src/extension.ts, with
 * vscode-languageclient inlined; `vscode` is provided by the editor) with esbuild, then packages the
 * extension folder into editors/vscode/dist/mdl-language.vsix with @vscode/vsce, offline.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { build } from "esbuild";

const ext = resolve("editors/vscode");
mkdirSync(join(ext, "dist"), { recursive: true });
await build({
  entryPoints: [join(ext, "src/extension.ts")],
  outfile: join(ext, "dist/extension.js"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node18",
  external: ["vscode"],
  minify: true,
  logLevel: "warning",
});
const vsce = join(dirname(createRequire(import.meta.url).resolve("@vscode/vsce/package.json")), "vsce");
const out = join(ext, "dist/mdl-language.vsix");
// --no-dependencies: the bundle already holds them; the repository/licence checks would prompt
execFileSync(
  process.execPath,
  [vsce, "package", "--no-dependencies", "--allow-missing-repository", "--skip-license", "-o", out],
  { cwd: ext, stdio: "inherit" },
);
console.log(out);
