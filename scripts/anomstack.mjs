#!/usr/bin/env node
// The `anomstack` command: runs the precompiled CLI when its build is fresh (scripts/cli-build.mjs,
// rebuilt when a source changed), else loads the TypeScript through tsx, so no build step is needed.
import { pathToFileURL } from "node:url";
import { freshCliBuild } from "./cli-build.mjs";

const built = await freshCliBuild();
if (built) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./cli/main.ts");
}
