// `node --import tsx --import ./test/session/failing-scatter-preload.ts src/cli/main.ts ...`: the CLI with a
// ScatterNd that fails (failing-scatter.ts), to see how an engine error in the backward pass reaches the user.
import { failScatter } from "./failing-scatter.ts";

failScatter();
