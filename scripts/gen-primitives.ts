// Writes docs/primitives.md from the op table and std.mdl (a test fails when it is stale).
import { writeFileSync } from "node:fs";
import { primitivesDoc } from "../src/tools/docs/primitives.ts";

writeFileSync(new URL("../docs/primitives.md", import.meta.url), primitivesDoc());
