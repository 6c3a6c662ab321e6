/**
 * The official X-CLIP recipe's augmentations as flags (src/runtime/data/augment.ts): each off by default,
 * `--recipe xclip` turns on all with the official `utils/config.py` values, and a flag given beside it wins.
 */
import type { Command } from "commander";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import { mixes, NO_AUGMENT, XCLIP_RECIPE, type AugmentRecipe } from "../runtime/data/augment.ts";

export interface RecipeFlags {
  recipe?: string;
  mixup?: string;
  cutmix?: string;
  mixSwitchProb?: string;
  colorJitter?: string;
  grayscale?: string;
}

const RECIPES: Record<string, AugmentRecipe> = { xclip: XCLIP_RECIPE };

const FLAGS: { key: keyof AugmentRecipe; flag: keyof RecipeFlags; name: string; kind: "alpha" | "probability" }[] = [
  { key: "mixup", flag: "mixup", name: "--mixup", kind: "alpha" },
  { key: "cutmix", flag: "cutmix", name: "--cutmix", kind: "alpha" },
  { key: "switchProb", flag: "mixSwitchProb", name: "--mix-switch-prob", kind: "probability" },
  { key: "colorJitter", flag: "colorJitter", name: "--color-jitter", kind: "probability" },
  { key: "grayscale", flag: "grayscale", name: "--grayscale", kind: "probability" },
];

export function recipeOptions(cmd: Command): Command {
  const x = XCLIP_RECIPE;
  return cmd
    .option(
      "--recipe <name>",
      `the official recipe's augmentations, all on: \`xclip\` (mixup ${x.mixup}, cutmix ${x.cutmix}, switch ` +
        `${x.switchProb}, colour jitter ${x.colorJitter}, grayscale ${x.grayscale}); the flags below, given with it, win`,
    )
    .option("--mixup <alpha>", "mixup over the batch, lambda ~ Beta(alpha, alpha) (default 0: off)")
    .option(
      "--cutmix <alpha>",
      "cutmix over the batch, lambda ~ Beta(alpha, alpha), one box for every frame (default 0: off)",
    )
    .option(
      "--mix-switch-prob <p>",
      `with both mixup and cutmix: the probability of cutmix for a batch (default ${NO_AUGMENT.switchProb})`,
    )
    .option(
      "--color-jitter <p>",
      "probability that a video is colour-jittered (brightness 0.4, contrast 0.4, " +
        "saturation 0.2, hue 0.1, drawn per frame as the official code does; default 0)",
    )
    .option("--grayscale <p>", "probability that a video is turned grayscale, every frame (default 0)");
}

function parseValue(name: string, value: string, kind: "alpha" | "probability"): number {
  const x = Number(value);
  const ok = value.trim() !== "" && Number.isFinite(x) && x >= 0 && (kind === "alpha" || x <= 1);
  if (!ok) fail("bad_number", name, name, kind === "alpha" ? "a number >= 0 (0: off)" : "a number in [0, 1]", value);
  return x;
}

/** The recipe as given: `--recipe`'s values (or all off), then each flag given. */
export function parseRecipe(o: RecipeFlags): AugmentRecipe {
  let base = NO_AUGMENT;
  if (o.recipe !== undefined) {
    base = RECIPES[o.recipe];
    if (!base)
      fail("usage", "--recipe", `--recipe must be one of ${Object.keys(RECIPES).join(", ")}, got \`${o.recipe}\``);
  }
  const out = { ...base };
  for (const f of FLAGS) if (o[f.flag] !== undefined) out[f.key] = parseValue(f.name, o[f.flag]!, f.kind);
  return out;
}

/** Whether the recipe's step takes mixed targets (for `mdl ir --train` and `mdl export --train`). */
export const recipeMixes = (o: RecipeFlags): boolean => mixes(parseRecipe(o));

/** The recipe flags the user gave. */
export function givenRecipeFlags(o: RecipeFlags): string[] {
  return [
    ...(o.recipe !== undefined ? ["--recipe"] : []),
    ...FLAGS.filter((f) => o[f.flag] !== undefined).map((f) => f.name),
  ];
}
