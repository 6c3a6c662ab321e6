/**
 * CPU time a child process has used, for the fuzz campaigns' per-case limit. On a shared machine a case can
 * wait minutes for a core, so wall time says nothing about a hang; the child's own user + system time
 * (Linux /proc/<pid>/stat, in clock ticks) does. Elsewhere this returns undefined and the caller uses wall time.
 */
import { readFileSync } from "node:fs";

// USER_HZ is 100 on every Linux that Node supports (it is fixed by the kernel ABI, not by CONFIG_HZ).
const TICK_MS = 10;

export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may itself hold spaces or parentheses.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // rest[0] is field 3 (state): utime and stime are fields 14 and 15.
    return (Number(rest[11]) + Number(rest[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}
