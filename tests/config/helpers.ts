// Test helpers for the config system: fresh temp metrics folders holding the real defaults.yaml
// plus batch YAML / SQL files written by each test.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's real metrics folder. */
export const REAL_METRICS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../metrics");

/** Creates a temp metrics folder with a copy of the real defaults.yaml; returns its absolute path. */
export function makeMetricsDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-config-"));
  fs.mkdirSync(path.join(dir, "defaults"), { recursive: true });
  fs.copyFileSync(path.join(REAL_METRICS_DIR, "defaults", "defaults.yaml"), path.join(dir, "defaults", "defaults.yaml"));
  return dir;
}

/** Writes `content` to `<dir>/<rel>` (creating folders) and returns the absolute path. */
export function writeFile(dir: string, rel: string, content: string): string {
  const full = path.join(dir, rel);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, content);
  return full;
}

/** Writes a batch `<name>/<name>.yaml` with extra YAML lines; adds `ingest_sql: select 1` unless extra sets an ingest key. */
export function writeBatch(dir: string, name: string, extra = ""): string {
  const ingest = /^ingest_(sql|fn):/m.test(extra) ? "" : "ingest_sql: select 1\n";
  return writeFile(dir, `${name}/${name}.yaml`, `metric_batch: ${name}\n${ingest}${extra}`);
}

/** Returns the error thrown by `fn` (fails the test if nothing is thrown). */
export function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error to be thrown");
}
