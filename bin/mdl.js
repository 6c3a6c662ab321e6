#!/usr/bin/env node
// The published entry point: the CLI is TypeScript run through tsx's loader, so a checkout needs no build step.
// tsconfig.run.json maps chevrotain to its single-file bundle, which loads ~20x faster than its package entry.
import { register } from "tsx/esm/api";
register({ tsconfig: new URL("../tsconfig.run.json", import.meta.url).pathname });
await import("../src/cli/main.ts");
