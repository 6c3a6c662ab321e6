/** The checkpoint's weights for the ONNX export (src/cli/export-onnx.ts imports them from here); one implementation, in run/. */
export { checkpointWeights } from "../run/load-params.ts";
