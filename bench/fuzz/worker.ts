/**
 * One fuzz worker (a child of bench/fuzz.ts): runs cases [from, to) of a campaign and reports over IPC.
 * Before each case it says which one it is starting, so when it hangs or dies the parent knows the seed.
 */
import { settle, type Outcome } from "./outcome.ts";

type Runner = (seed: number) => Outcome | Promise<Outcome>;
const CAMPAIGNS: Record<string, () => Promise<Runner>> = {
  mdl: async () => (await import("./mdl.ts")).runMdlCase,
  "mdl-large": async () => (await import("./mdl.ts")).runMdlLargeCase,
  weights: async () => (await import("./weights.ts")).runWeightsCase,
  media: async () => (await import("./media.ts")).runMediaCase,
};

const send = (msg: unknown) => new Promise<void>((done) => process.send!(msg, () => done()));

process.once("message", async (m: { campaign: string; from: number; to: number }) => {
  const run = await CAMPAIGNS[m.campaign]();
  for (let seed = m.from; seed < m.to; seed++) {
    await send({ start: seed });
    const o = await settle(() => run(seed));
    await send(typeof o === "string" ? { seed, outcome: o } : { seed, outcome: "crash", what: o.crash });
  }
  process.disconnect();
});
