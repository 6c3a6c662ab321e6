// The train tests run on the wasm backend with one thread (the machine is shared with other engineers).
import { initBackend } from "../../src/runtime/tfjs/backend.ts";

export async function useWasm(): Promise<void> {
  await initBackend({ backend: "wasm", threads: 1 });
}
