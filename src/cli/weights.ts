/**
 * `mdl weights FILE [--json]`: what a checkpoint is (format, dtypes as stored, parameter count, the model it
 * looks like) and what it holds (names, dtypes, shapes). FILE is anything --weights takes, hf: included.
 */
import type { Command } from "commander";
import type { Checkpoint } from "../runtime/weights/checkpoint.ts";
import { identify } from "../runtime/weights/identify.ts";
import { loadCheckpoint } from "../runtime/weights/load.ts";
import { formatShape, numel } from "../runtime/weights/tensor.ts";
import { reportNonFinite } from "./compile-args.ts";
import { runCommand } from "./io.ts";
import { about } from "./about.ts";

const FORMAT_NAMES: Record<Checkpoint["format"], string> = {
  safetensors: "safetensors",
  "pth-zip": "PyTorch zip (torch.save)",
  "pth-legacy": "PyTorch legacy pickle (torch.save before 1.6)",
  torchscript: "TorchScript archive (torch.jit.save)",
};

export function register(program: Command): void {
  program
    .command("weights")
    .description(about.weights.text)
    .argument("<file>", "checkpoint file, shard index, folder, or hf:ORG/NAME[@REVISION]")
    .option("--json", "print JSON instead of a table")
    .action((file: string, opts: { json?: boolean }) =>
      runCommand(() => {
        const ckpt = loadCheckpoint(file);
        reportNonFinite(ckpt, false);
        const rows = [...ckpt.tensors].map(([name, t]) => ({
          name,
          dtype: ckpt.sourceDtypes.get(name)!,
          shape: t.shape,
        }));
        const parameters = rows.reduce((n, r) => n + numel(r.shape), 0);
        const dtypes: Record<string, number> = {};
        for (const r of rows) dtypes[r.dtype] = (dtypes[r.dtype] ?? 0) + 1;
        const model = identify(ckpt);
        if (opts.json) {
          const extra = {
            ...(ckpt.metadata ? { metadata: ckpt.metadata } : {}),
            ...(ckpt.shards ? { shards: ckpt.shards } : {}),
          };
          process.stdout.write(
            JSON.stringify(
              {
                file,
                format: ckpt.format,
                ...extra,
                layout: ckpt.layout,
                model,
                dtypes,
                parameters,
                notes: ckpt.notes,
                tensors: rows,
              },
              null,
              2,
            ) + "\n",
          );
          return;
        }
        const mix = Object.entries(dtypes)
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .map(([d, n]) => `${d} ×${n}`)
          .join(", ");
        const width = Math.max(4, ...rows.map((r) => r.name.length));
        const lines = [
          `${file}: ${formatName(ckpt)}, ${rows.length} tensors (${mix || "none"}), ${parameters.toLocaleString("en-US")} parameters`,
          `model: ${model.description}`,
        ];
        for (const note of ckpt.notes) lines.push(`note: ${note}`);
        for (const r of rows) lines.push(`${r.name.padEnd(width)}  ${r.dtype.padEnd(4)}  ${formatShape(r.shape)}`);
        process.stdout.write(lines.join("\n") + "\n");
      }),
    );
}

function formatName(ckpt: Checkpoint): string {
  const meta = ckpt.metadata?.format ? ` (format: ${ckpt.metadata.format})` : "";
  const shards = ckpt.shards ? `, ${ckpt.shards} shards` : "";
  return `${FORMAT_NAMES[ckpt.format]}${meta}${shards}`;
}
