#!/usr/bin/env node
// The `intake` command. Runs the TypeScript sources through tsx, so a clone needs no build step;
// a Docker image may run the compiled dist/app/cli.js instead (see docs/operations.md).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../app/cli.ts");
await main();
