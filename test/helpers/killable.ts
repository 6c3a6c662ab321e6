/**
 * A training child for kill-and-resume tests: node with tsx on `args`, its stdout and stderr collected; with
 * `killAt`, SIGKILLed a random few milliseconds after it reports `step <killAt> ` (so mid-step or mid-save).
 */
import { spawn } from "node:child_process";

export function runKillable(args: readonly string[], killAt?: number): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["--import", "tsx", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    let armed = false;
    p.stdout.on("data", (c) => {
      text += c;
      if (killAt !== undefined && !armed && text.includes(`step ${killAt} `)) {
        armed = true;
        setTimeout(() => p.kill("SIGKILL"), Math.floor(Math.random() * 40));
      }
    });
    p.stderr.on("data", (c) => (text += c));
    p.on("close", () => resolve(text));
  });
}
