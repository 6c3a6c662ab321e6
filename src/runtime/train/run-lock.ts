/**
 * One writer per run folder: RUN/run.lock names the process that trains into it (PID, host, start time).
 * The lock file appears whole or not at all: its text is written to a temp file that is then hard-linked to
 * the lock's name, and link(2) fails when the name exists, as open(O_CREAT | O_EXCL) does. A lock whose
 * process has died on this host is stale and taken over with a notice; one held from another host cannot be
 * checked from here and is left to the user.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { diag, fail, type Diagnostic } from "../../compiler/diagnostics/diagnostic.ts";

export const LOCK = "run.lock";

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  since: string;
  /** Linux: the holder's start time in clock ticks after boot, and the boot, so a reused PID is not taken for the holder. */
  procStart?: string;
  boot?: string;
}

export interface RunLock {
  path: string;
  holder: LockHolder;
  /** Remove the lock if it is still ours; safe to call more than once. */
  release(): void;
}

/** Whether a process with this PID runs on this machine (EPERM: it exists but belongs to another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const readOr = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
};

/** Field 22 of /proc/PID/stat (after the parenthesised command name, which may hold spaces). */
function procStart(pid: number | "self"): string | undefined {
  const stat = readOr(`/proc/${pid}/stat`);
  return stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}

function holderAlive(h: LockHolder): boolean {
  if (h.boot && h.boot !== readOr("/proc/sys/kernel/random/boot_id")) return false;
  if (!pidAlive(h.pid)) return false;
  const start = h.procStart && procStart(h.pid);
  return !start || start === h.procStart;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, "utf8"));
    return Number.isInteger(h?.pid) && typeof h.host === "string" && typeof h.since === "string" ? h : undefined;
  } catch {
    return undefined;
  }
}

const sameHolder = (a: LockHolder | undefined, b: LockHolder) =>
  a?.pid === b.pid && a.host === b.host && a.since === b.since;

/**
 * Take RUN's lock or fail naming its holder. `notice` hears about a stale lock taken over. The lock is also
 * released when the process exits (process.exit included), should the caller's own release be skipped.
 */
export function acquireRunLock(run: string, notice: (d: Diagnostic) => void): RunLock {
  try {
    mkdirSync(run, { recursive: true });
  } catch (err) {
    fail("output_unwritable", run, (err as Error).message);
  }
  const path = join(run, LOCK);
  const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const start = procStart("self");
  const boot = readOr("/proc/sys/kernel/random/boot_id");
  if (start && boot) Object.assign(me, { procStart: start, boot });

  for (let attempt = 0; ; attempt++) {
    if (tryCreate(path, me)) break;
    const held = readHolder(path);
    // a lock file that vanished between our link and our read: its holder just released it
    if (!held && readOr(path) === undefined && attempt < 3) continue;
    if (!held) fail("run_lock_unreadable", path);
    if (held.host !== me.host || holderAlive(held) || attempt >= 3)
      fail("run_locked", path, held.pid, held.host, held.since);
    if (takeOver(path, held)) notice(diag("run_lock_stale", path, held.pid, held.since));
  }

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off("exit", release);
    if (sameHolder(readHolder(path), me)) rmSync(path, { force: true });
  };
  process.on("exit", release);
  return { path, holder: me, release };
}

function tryCreate(path: string, me: LockHolder): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(me) + "\n");
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    return fail("output_unwritable", path, (err as Error).message);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Remove a dead holder's lock, unless another process got there first. Two processes that both saw it stale
 * serialise on a second lock (`run.lock.takeover`), itself created with link(2); inside it the lock is read
 * again and removed only if it still names the dead holder.
 */
function takeOver(path: string, dead: LockHolder): boolean {
  const guard = `${path}.takeover`;
  const mine: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  if (!tryCreate(guard, mine)) {
    const other = readHolder(guard);
    // a taker that died inside these few lines: its guard is as stale as the lock was
    if (other && other.host === mine.host && !pidAlive(other.pid)) rmSync(guard, { force: true });
    return false;
  }
  try {
    if (!sameHolder(readHolder(path), dead)) return false;
    unlinkSync(path);
    return true;
  } finally {
    rmSync(guard, { force: true });
  }
}
