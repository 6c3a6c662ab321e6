// Writes grammar/cst.d.ts: the CST node types Chevrotain derives from the grammar rules.
// Run after changing grammar/parser.ts (`npx tsx scripts/gen-cst-dts.ts`); a test fails when it is stale.
import { writeFileSync } from "node:fs";
import { cstDts } from "../grammar/cst-dts.ts";

writeFileSync(new URL("../grammar/cst.d.ts", import.meta.url), cstDts());
