// What a batch needs to run, in one line, for `anomstack list` and `anomstack examples`: the internet, the
// variables of `requires_env` (which are not set), and a database other than the embedded DuckDB.
import type { BatchConfig, DisabledBatch } from "../../f/anomstack/config/index.ts";
import type { Env } from "../../f/anomstack/core/env.ts";

/** The requirements of a batch, whether it is on (its config) or off (what the loader knows of it). */
export interface Needs {
  requiresEnv: string[];
  missingEnv: string[];
  requiresNetwork: boolean;
  db?: string;
}

export function needsOf(b: BatchConfig | DisabledBatch, env: Env = process.env): Needs {
  if ("enableWith" in b) return b;
  const requiresEnv = b.requires_env ?? [];
  return { requiresEnv, missingEnv: requiresEnv.filter((n) => !env[n]), requiresNetwork: b.requires_network === true, db: b.db };
}

/** e.g. "internet; env POSTHOG_API_KEY (not set)", "internet; db bigquery", "nothing". */
export function needsLine(n: Needs): string {
  const parts: string[] = [];
  if (n.requiresNetwork) parts.push("internet");
  if (n.db && n.db !== "duckdb") parts.push(`db ${n.db}`);
  const set = n.requiresEnv.filter((v) => !n.missingEnv.includes(v));
  const unset = n.requiresEnv.filter((v) => n.missingEnv.includes(v));
  const env = [...(set.length ? [`${set.join(", ")} (set)`] : []), ...(unset.length ? [`${unset.join(", ")} (not set)`] : [])];
  if (env.length) parts.push(`env ${env.join(", ")}`);
  return parts.length ? parts.join("; ") : "nothing";
}

/** Why a batch is off, e.g. "disable_batch: true in examples/tomtom/tomtom.yaml" or "env ANOMSTACK__X__DISABLE_BATCH". */
export function offBecause(d: DisabledBatch, metricsDir: string): string {
  if (d.disabledBy.kind === "env") return `env ${d.disabledBy.name}`;
  const file = d.disabledBy.file.startsWith(`${metricsDir}/`) ? d.disabledBy.file.slice(metricsDir.length + 1) : d.disabledBy.file;
  return `disable_batch: true in ${file}`;
}
