// Deployment settings: on Windmill they arrive as one resource of the custom type
// `c_anomstack_settings` (whose fields may reference built-in resources and secret variables);
// locally they are environment variables (or .env). Both become one env-like record that the config
// loader, the store and the alert channels read, so the two paths run the same code.
//nobundling
import type { Env } from "../core/env.ts";

/**
 * Windmill resource type `c_anomstack_settings` (declared in c_anomstack_settings.resource-type.yaml).
 * Every field is optional; `$res:` and `$var:` references inside are resolved by Windmill.
 */
export type C_anomstack_settings = {
  /** Environment variables: ANOMSTACK_DUCKDB_PATH, ANOMSTACK_MODEL_PATH, ANOMSTACK__<BATCH>__<KEY>, ... */
  env?: Record<string, string | number | boolean>;
  /** A Windmill `smtp` resource: host, port, user, password (the sender address is `user` unless env sets one). */
  smtp?: { host?: string; port?: number; user?: string; password?: string };
  /** A Windmill `slack` resource (bot token). */
  slack?: { token?: string };
  /** An Anthropic API key resource. */
  anthropic?: { api_key?: string };
  /** A Windmill `postgresql` resource: the database of batches with `db: postgres`. */
  postgresql?: { host?: string; port?: number; user?: string; password?: string; dbname?: string; sslmode?: string };
  /** A Windmill `bigquery` resource (a service-account key): the warehouse of batches with `db: bigquery`. */
  bigquery?: { project_id?: string; client_email?: string; private_key?: string; [k: string]: unknown };
  /** A Windmill `snowflake` resource (key-pair auth): the warehouse of batches with `db: snowflake`. */
  snowflake?: {
    account_identifier?: string;
    username?: string;
    private_key?: string;
    public_key?: string;
    warehouse?: string;
    database?: string;
    schema?: string;
    role?: string;
  };
};

/**
 * The environment a stage runs with: `base` (process.env) overlaid with the settings resource.
 * Explicit `env` entries win over values derived from the smtp/slack/anthropic resources.
 * @example settingsToEnv({ env: { ANOMSTACK_DUCKDB_PATH: "/data/a.duckdb" }, slack: { token: "xoxb-1" } }, {})
 * // => { ANOMSTACK_SLACK_BOT_TOKEN: "xoxb-1", ANOMSTACK_DUCKDB_PATH: "/data/a.duckdb" }
 */
export function settingsToEnv(settings: C_anomstack_settings | null | undefined, base: Env = process.env): Env {
  if (!settings) return base;
  if (typeof settings !== "object" || Array.isArray(settings)) {
    throw new Error("settings: expected a c_anomstack_settings resource (an object)");
  }
  const derived: Env = {};
  const { smtp, slack, anthropic, postgresql, bigquery, snowflake } = settings;
  if (smtp?.host) derived.ANOMSTACK_ALERT_EMAIL_SMTP_HOST = smtp.host;
  if (smtp?.port) derived.ANOMSTACK_ALERT_EMAIL_SMTP_PORT = String(smtp.port);
  if (smtp?.user) derived.ANOMSTACK_ALERT_EMAIL_FROM = smtp.user;
  if (smtp?.password) derived.ANOMSTACK_ALERT_EMAIL_PASSWORD = smtp.password;
  if (slack?.token) derived.ANOMSTACK_SLACK_BOT_TOKEN = slack.token;
  if (anthropic?.api_key) derived.ANOMSTACK_ANTHROPIC_API_KEY = anthropic.api_key;
  if (postgresql?.host) {
    derived.ANOMSTACK_POSTGRES_HOST = postgresql.host;
    if (postgresql.port) derived.ANOMSTACK_POSTGRES_PORT = String(postgresql.port);
    if (postgresql.user) derived.ANOMSTACK_POSTGRES_USER = postgresql.user;
    if (postgresql.password) derived.ANOMSTACK_POSTGRES_PASSWORD = postgresql.password;
    if (postgresql.dbname) derived.ANOMSTACK_POSTGRES_DATABASE = postgresql.dbname;
    if (postgresql.sslmode) derived.ANOMSTACK_POSTGRES_SSLMODE = postgresql.sslmode;
  }
  if (bigquery?.private_key) {
    derived.ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON = JSON.stringify(bigquery);
    if (bigquery.project_id) derived.ANOMSTACK_GCP_PROJECT_ID = bigquery.project_id;
  }
  if (snowflake?.account_identifier) {
    derived.ANOMSTACK_SNOWFLAKE_ACCOUNT = snowflake.account_identifier;
    const fields = {
      username: "USER",
      private_key: "PRIVATE_KEY",
      warehouse: "WAREHOUSE",
      database: "DATABASE",
      schema: "SCHEMA",
      role: "ROLE",
    } as const;
    for (const [field, suffix] of Object.entries(fields)) {
      const v = snowflake[field as keyof typeof fields];
      if (v) derived[`ANOMSTACK_SNOWFLAKE_${suffix}`] = v;
    }
  }
  const explicit: Env = {};
  for (const [k, v] of Object.entries(settings.env ?? {})) {
    if (v === null || v === undefined) continue;
    if (typeof v === "object") throw new Error(`settings.env.${k}: expected a string, number or boolean`);
    explicit[k] = String(v);
  }
  return { ...base, ...derived, ...explicit };
}
