/**
 * The process's last word on an error nothing caught is mdl's. Libraries install their own
 * `uncaughtException` and `unhandledRejection` listeners: tfjs-backend-wasm's Emscripten glue adds one that
 * rethrows, so Node printed the line it came from (58 KB of minified source) and exited 7. Once `ownFatalErrors`
 * ran, a listener anyone else adds later (a backend started mid-command) is removed as soon as it is added.
 */
const EVENTS = ["uncaughtException", "unhandledRejection"] as const;
type FatalEvent = (typeof EVENTS)[number];

let ours: ((err: unknown) => void) | undefined;
const mine = new WeakSet<object>();

export function ownFatalErrors(handler: (err: unknown) => void): void {
  const first = !ours;
  ours = handler;
  for (const event of EVENTS) {
    process.removeAllListeners(event);
    const listener = (err: unknown) => ours!(err);
    mine.add(listener);
    process.on(event, listener);
  }
  if (!first) return;
  process.on("newListener", (event: string | symbol, listener: (...a: unknown[]) => void) => {
    // 'newListener' comes before the listener is in the list: take it out once it is
    if ((EVENTS as readonly (string | symbol)[]).includes(event) && !mine.has(listener))
      queueMicrotask(() => process.removeListener(event, listener));
  });
}

/** The listeners on the fatal events now, for a test to see that only mdl's are left. */
export function fatalListenerCounts(): Record<FatalEvent, number> {
  return {
    uncaughtException: process.listenerCount("uncaughtException"),
    unhandledRejection: process.listenerCount("unhandledRejection"),
  };
}
