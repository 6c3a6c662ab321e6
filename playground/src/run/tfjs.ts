/**
 * What the page bundles for `import * as tf from "@tensorflow/tfjs"` (an esbuild alias, scripts/playground.ts):
 * tfjs-core with its cpu and webgl backends, as the umbrella package registers them, without tfjs-layers,
 * -converter and -data, which the lowering does not use (about 350 KB less to load).
 */
export * from "@tensorflow/tfjs-core";
// what the umbrella package registers and tfjs-core alone does not: gradients (in-page training), tensor methods
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-webgl";
