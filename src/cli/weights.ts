/** `mdl weights FILE [--json]`: what a checkpoint holds (format, names, dtypes as stored, shapes, parameter count). */
import type { Command } from "commander";
import { loadCheckpoint } from "../runtime/weights/load.ts";
import { formatShape, numel } from "../runtime/weights/tensor.ts";
import { runCommand } from "./io.ts";

export function register(program: Command): void {
  program
    .command("weights")
    .description("list the tensors of a checkpoint (safetensors, or PyTorch .pth/.bin zip or legacy)")
    .argument("<file>", "checkpoint file")
    .option("--json", "print JSON instead of a table")
    .action((file: string, opts: { json?: boolean }) =>
      runCommand(() => {
        const ckpt = loadCheckpoint(file);
        const rows = [...ckpt.tensors].map(([name, t]) => ({ name, dtype: ckpt.sourceDtypes.get(name)!, shape: t.shape }));
        const parameters = rows.reduce((n, r) => n + numel(r.shape), 0);
        if (opts.json) {
          process.stdout.write(JSON.stringify({ file, format: ckpt.format, parameters, notes: ckpt.notes, tensors: rows }, null, 2) + "\n");
          return;
        }
        const width = Math.max(4, ...rows.map((r) => r.name.length));
        const lines = [`${file}: ${ckpt.format}, ${rows.length} tensors, ${parameters.toLocaleString("en-US")} parameters`];
        for (const note of ckpt.notes) lines.push(`note: ${note}`);
        for (const r of rows) lines.push(`${r.name.padEnd(width)}  ${r.dtype.padEnd(4)}  ${formatShape(r.shape)}`);
        process.stdout.write(lines.join("\n") + "\n");
      }),
    );
}
