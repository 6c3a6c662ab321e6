/**
 * Parameter groups for AdamW and the X-CLIP grouping recipe. The update itself is engine math
 * (runtime/tfjs/adamw.ts behind Engine.training.adamw).
 */

export interface ParamGroup {
  paths: string[];
  /** Multiplies the scheduled learning rate for this group. */
  lrScale: number;
  weightDecay: number;
}

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** X-CLIP's AdamW settings (betas 0.9/0.98, eps 1e-8). */
export const XCLIP_ADAMW: Required<AdamWOptions> = { beta1: 0.9, beta2: 0.98, eps: 1e-8 };

export interface GroupOptions {
  baseDecay: number;
  /** Learning-rate multiplier by parameter key (1 when absent): the groups a model declares (session/select.ts). */
  lrScale?: ReadonlyMap<string, number>;
}

const NO_DECAY_NAMES = new Set(["positional_embedding", "class_embedding", "logit_scale", "alpha", "bias"]);

/**
 * Whether a parameter is exempt from weight decay: embeddings of position and class, norms, biases, logit_scale
 * and the prompt generator's alpha. Matched on whole path segments so that, say, `kernel` is not a norm.
 */
export function isNoDecay(path: string): boolean {
  const segs = path.split(".");
  const last = segs[segs.length - 1];
  if (NO_DECAY_NAMES.has(last) || last.endsWith("_bias")) return true;
  return segs.some((s) => s.includes("norm") || s.split("_").some((w) => /^ln\d*$/.test(w)));
}

/**
 * The X-CLIP recipe: weight decay everywhere except isNoDecay parameters, each parameter at its declared rate
 * multiplier. Returns one group per (rate, decay) pair in order of first use, paths in input order.
 */
export function groupsFor(paths: readonly string[], options: GroupOptions): ParamGroup[] {
  const groups = new Map<string, ParamGroup>();
  for (const path of paths) {
    const lrScale = options.lrScale?.get(path) ?? 1;
    const weightDecay = isNoDecay(path) ? 0 : options.baseDecay;
    const key = `${lrScale}/${weightDecay}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { paths: [], lrScale, weightDecay }));
    g.paths.push(path);
  }
  return [...groups.values()];
}
