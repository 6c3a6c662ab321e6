/**
 * Work to do before the process exits: a command ends with process.exit, which skips what the event loop
 * would have done. The webgpu backend registers the destruction of its device here (Dawn may crash at exit
 * when a device is still alive), without the CLI having to import an engine.
 */
const hooks = new Set<() => void>();

export function onExit(hook: () => void): void {
  hooks.add(hook);
}

/** Run every hook once, in registration order; a failing hook does not stop the others. */
export function runExitHooks(): void {
  for (const h of [...hooks]) {
    hooks.delete(h);
    try {
      h();
    } catch {
      // the process is ending; nothing better to do with a failed cleanup
    }
  }
}
