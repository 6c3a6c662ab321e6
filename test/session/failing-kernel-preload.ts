// `node --import tsx --import ./test/session/failing-kernel-preload.ts src/cli/main.ts ...`: the CLI with a
// ScatterNd that fails (failing-kernel.ts), to see how an engine error in the backward pass reaches the user.
import { failKernel } from "./failing-kernel.ts";

failKernel("ScatterNd");
