/**
 * Writes the synthetic temporal dataset in the official list format: frame folders of PNGs, labels.csv,
 * train.txt, val.txt, test.txt and a README.txt. Same options and seed -> byte-identical files.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../util/atomic-write.ts";
import { encodePng } from "./png.ts";
import { deriveSeed } from "./rng.ts";
import { drawSynth, renderSynthVideo, SYNTH_CLASSES, SYNTH_PAIRS } from "./synth-render.ts";

export interface SynthOptions {
  out: string;
  /** Training videos per class; val and test get a quarter of that (at least 2). */
  videosPerClass: number;
  evalPerClass?: number;
  frames?: number;
  size?: number;
  seed?: number;
  onVideo?: (done: number, total: number) => void;
}

export interface SynthSummary {
  classes: string[];
  splits: Record<string, number>;
  files: number;
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** The folder of one video, relative to the dataset root. */
export const synthVideoPath = (split: string, classId: number, index: number): string =>
  `${split}/${SYNTH_PAIRS[classId >> 1].slugs[classId & 1]}-${pad(index, 4)}`;

/** The draw seed of video `index` of a pair: both members share it, which makes each video's reversed twin. */
export const synthDrawSeed = (seed: number, split: string, pair: number, index: number): number =>
  deriveSeed(seed, split, pair, index);

export function synthesize(opts: SynthOptions): SynthSummary {
  const frames = opts.frames ?? 8;
  const size = opts.size ?? 32;
  const seed = opts.seed ?? 0;
  const evalCount = opts.evalPerClass ?? Math.max(2, Math.round(opts.videosPerClass / 4));
  const splits: [string, number][] = [
    ["train", opts.videosPerClass],
    ["val", evalCount],
    ["test", evalCount],
  ];
  const total = splits.reduce((s, [, n]) => s + n, 0) * SYNTH_CLASSES.length;
  let done = 0;
  let files = 0;
  const lists: Record<string, string[]> = {};
  for (const [split, count] of splits) {
    const lines: string[] = [];
    // Index-major order, so any prefix of a list is balanced over the classes.
    for (let i = 0; i < count; i++)
      SYNTH_PAIRS.forEach((pair, p) => {
        const draw = drawSynth(synthDrawSeed(seed, split, p, i), pair.motion, frames, size);
        for (const member of [0, 1] as const) {
          const classId = 2 * p + member;
          const dir = synthVideoPath(split, classId, i);
          renderSynthVideo(draw, member, pair.forward).forEach((img, t) => {
            writeFileAtomic(join(opts.out, dir, `img_${pad(t + 1, 5)}.png`), encodePng(img));
            files++;
          });
          lines.push(`${dir} ${classId}`);
          opts.onVideo?.(++done, total);
        }
      });
    lists[split] = lines;
  }
  // Labels and lists last: an interrupted run leaves no list pointing at missing frames.
  writeFileAtomic(join(opts.out, "README.txt"), readme(seed, frames, size, splits));
  writeFileAtomic(
    join(opts.out, "labels.csv"),
    ["id,name", ...SYNTH_CLASSES.map((n, i) => `${i},${n}`)].join("\n") + "\n",
  );
  for (const [split] of splits) writeFileAtomic(join(opts.out, `${split}.txt`), lists[split].join("\n") + "\n");
  return { classes: [...SYNTH_CLASSES], splits: Object.fromEntries(splits), files: files + 3 + splits.length };
}

function readme(seed: number, frames: number, size: number, splits: [string, number][]): string {
  return `Synthetic temporal dataset written by \`mdl data synth\` (seed ${seed}, ${frames} frames of ${size}x${size}).

Every video shows one object (square, circle, triangle or diamond with a small orientation mark) on a
textured background. Colours, shape, size, start position, speed, texture and sensor noise are drawn at
random per video. The ${SYNTH_CLASSES.length} classes come in pairs that differ ONLY in the direction of time:

${SYNTH_PAIRS.map((p, i) => `  ${2 * i} / ${2 * i + 1}: ${p.names[0]} / ${p.names[1]}`).join("\n")}

For every index n, video n of one class of a pair and video n of the other class share the same random draw,
and one is the other played backwards: a model that looks at single frames, or pools frames without order,
cannot do better than chance within a pair.

Layout (the official list format):
  labels.csv         id,name
  <split>.txt        <folder> <label>, one video per line; a folder holds img_00001.png ... in time order
${splits.map(([s, n]) => `  ${s}/ ${" ".repeat(Math.max(0, 16 - s.length))}${n} videos per class`).join("\n")}
`;
}
