// Starts tfjs on the wasm backend with one thread (the machine is shared). src/runtime/tfjs/backend.ts was not
// committed when these tests were written; switch to its initBackend once it is.
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths, setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export async function useWasm(): Promise<void> {
  if (tf.getBackend() === "wasm") return;
  const pkg = createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/package.json");
  setWasmPaths(join(dirname(pkg), "dist") + "/");
  setThreadsCount(1);
  if (!(await tf.setBackend("wasm"))) throw new Error("wasm backend did not start");
  await tf.ready();
}
