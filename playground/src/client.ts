/** The page's side of the compiler worker: one promise per request, answered in order. */
import type { Replies, Request } from "./protocol.ts";

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
let next = 0;

worker.onmessage = (e: MessageEvent<{ id: number; value?: unknown; error?: string }>) => {
  const p = pending.get(e.data.id);
  pending.delete(e.data.id);
  if (e.data.error !== undefined) p?.fail(new Error(e.data.error));
  else p?.ok(e.data.value);
};

export function ask<R extends Request>(req: R): Promise<Replies[R["kind"]]> {
  const id = next++;
  return new Promise((ok, fail) => {
    pending.set(id, { ok: ok as (v: unknown) => void, fail });
    worker.postMessage({ id, req });
  });
}
