// The prettier plugin for .mdl files as prettier loads it: `prettier --plugin ./src/prettier/plugin.mjs models/`
// (or `--plugin mdl/prettier-plugin` where mdl is installed as a package). Prettier cannot load TypeScript, so
// the first use bundles src/prettier/index.ts with esbuild into node_modules/.cache/mdl/, keyed by the sources'
// fingerprint as the CLI's bundle is (bin/bundle.js); where that cannot be written, tsx's loader serves it.
import { bundledPrettierPlugin } from "../../bin/bundle.js";

const bundle = await bundledPrettierPlugin();
let plugin;
if (bundle) plugin = (await import(bundle)).default;
else {
  const { register } = await import("tsx/esm/api");
  register({ tsconfig: new URL("../../tsconfig.run.json", import.meta.url).pathname });
  plugin = (await import("./index.ts")).default;
}
export default plugin;
