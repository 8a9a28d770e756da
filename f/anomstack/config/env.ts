// Environment handling of the config loader: folder/path env vars and the typed per-batch
// overrides `ANOMSTACK__<BATCH>__<PARAM>=value` (converted to the key's schema type).
//nobundling
import path from "node:path";
import { parse as parseYaml } from "yaml";
import type { ConfigIssue } from "./errors.ts";
import { kindAt } from "./introspect.ts";
import { DERIVED_KEYS } from "./schema.ts";
import { unknownKeyMessage } from "./issues.ts";
import type { Env } from "../core/env.ts";

/** An environment: names to values (unset values may be undefined). */

/** Absolute metrics folder: `ANOMSTACK_METRICS_DIR`, else `./metrics`, resolved against the cwd. */
export function resolveMetricsDir(env: Env = process.env): string {
  return path.resolve(env.ANOMSTACK_METRICS_DIR || "./metrics");
}

/** DuckDB database path: `ANOMSTACK_DUCKDB_PATH`, else `./data/anomstack.duckdb` (returned as given, may be `md:<db>`). */
export function resolveDuckdbPath(env: Env = process.env): string {
  return env.ANOMSTACK_DUCKDB_PATH || "./data/anomstack.duckdb";
}

/**
 * How long a job waits for a DuckDB file another process holds: `ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS`
 * (a number of seconds, 0 = fail at once), else undefined (the store's default).
 */
export function resolveDuckdbLockTimeout(env: Env = process.env): number | undefined {
  const raw = env.ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS?.trim();
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new Error(`ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS must be a number of seconds >= 0; got "${raw}"`);
  }
  return seconds;
}

/** True if `ANOMSTACK_IGNORE_EXAMPLES` asks to skip `<metricsDir>/examples` (yes/true/1). */
export function ignoreExamples(env: Env): boolean {
  return /^(yes|true|1)$/i.test((env.ANOMSTACK_IGNORE_EXAMPLES ?? "").trim());
}

/** The `<BATCH>` part of override env vars: uppercased, every non-alphanumeric replaced by `_`. */
export function batchEnvName(metricBatch: string): string {
  return metricBatch.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** One env override that applies to a batch. */
export interface EnvOverride {
  /** Full env var name. */
  name: string;
  /** Config key (PARAM lowercased). */
  key: string;
  /** Value converted to the key's type. */
  value: unknown;
}

const TRUE_WORDS = /^(true|yes|1|on)$/i;
const FALSE_WORDS = /^(false|no|0|off)$/i;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Converts the raw env string for `key` to the key's schema type; returns an issue message on failure. */
export function convertEnvValue(key: string, raw: string): { value: unknown } | { error: string } {
  const text = raw.trim();
  switch (kindAt([key])) {
    case "boolean":
      if (TRUE_WORDS.test(text)) return { value: true };
      if (FALSE_WORDS.test(text)) return { value: false };
      return { error: `expected a boolean (true/false, yes/no, 1/0), got "${raw}"` };
    case "number":
      return NUMBER.test(text) ? { value: Number(text) } : { error: `expected a number, got "${raw}"` };
    case "object":
    case "record":
    case "array": {
      let parsed: unknown;
      try {
        parsed = parseYaml(raw);
      } catch (err) {
        const reason = (err instanceof Error ? err.message : String(err)).replace(/ at line \d+, column \d+:[\s\S]*$/, "");
        return { error: `cannot parse value as YAML/JSON: ${reason}` };
      }
      if (kindAt([key]) === "array") {
        if (Array.isArray(parsed)) return { value: parsed };
        if (parsed === null || parsed === undefined) return { value: [] };
        if (typeof parsed === "string")
          return {
            value: parsed
              .split(",")
              .map((s) => s.trim())
              .filter((s) => s !== ""),
          };
        return { error: `expected a list (YAML/JSON, or comma-separated), got "${raw}"` };
      }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        return { error: `expected a mapping (YAML/JSON), got "${raw}"` };
      }
      return { value: parsed };
    }
    default:
      return { value: raw };
  }
}

/**
 * Collects and converts the `ANOMSTACK__<BATCH>__<PARAM>` overrides of one batch, sorted by env var name.
 * Problems (unknown key, unconvertible value, key not overridable) are returned as issues naming the env var.
 */
export function batchOverrides(metricBatch: string, env: Env, file: string): { overrides: EnvOverride[]; issues: ConfigIssue[] } {
  const prefix = `ANOMSTACK__${batchEnvName(metricBatch)}__`;
  const overrides: EnvOverride[] = [];
  const issues: ConfigIssue[] = [];
  const names = Object.keys(env)
    .filter((n) => n.startsWith(prefix) && n.length > prefix.length)
    .sort();
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined) continue;
    const key = name.slice(prefix.length).toLowerCase();
    const issue = (message: string) => issues.push({ file, batch: metricBatch, key, message: `env ${name}: ${message}` });
    if (key === "metric_batch" || (DERIVED_KEYS as readonly string[]).includes(key)) {
      issue("this key cannot be overridden from the environment");
    } else if (kindAt([key]) === undefined) {
      issue(unknownKeyMessage(key, []));
    } else {
      const converted = convertEnvValue(key, raw);
      if ("error" in converted) issue(converted.error);
      else overrides.push({ name, key, value: converted.value });
    }
  }
  return { overrides, issues };
}
