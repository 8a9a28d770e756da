// The only place that reads the alert channels' settings (email, Slack, the Anthropic key for LLM
// alerts) from an env-like record: process.env / .env locally; on Windmill, config/settings-resource.ts turns
// the settings resource and its variables into the same record first. Pure: no I/O but an optional
// read of a CA file named by ANOMSTACK_ALERT_EMAIL_SMTP_CA.
//nobundling
import fs from "node:fs";
import { createRedactor, type Redactor } from "../core/redact.ts";
import type { Env } from "../core/env.ts";

/** An environment: names to values (unset values may be undefined). */

/** How the SMTP connection is secured. */
export const SMTP_SECURITY = ["starttls", "tls", "none"] as const;
export type SmtpSecurity = (typeof SMTP_SECURITY)[number];

export interface EmailSettings {
  from: string;
  /** Default recipients (each alert may add routed ones). */
  to: string[];
  host: string;
  port: number;
  /** starttls (default): plain connect then STARTTLS, required; tls: TLS from the start (port 465); none: no TLS (local test servers only). */
  security: SmtpSecurity;
  /** Login user; default the sender address (as the original did). */
  user: string;
  /** Login password; absent = no AUTH. */
  password?: string;
  /** Extra CA certificates (PEM) to trust, for a relay with a private CA. */
  ca?: string;
  /** Recipients of failure notices (default: `to`). */
  failureTo: string[];
  /** How long to wait to connect and for the server's greeting (ANOMSTACK_ALERT_EMAIL_TIMEOUT_SECONDS, default 15 s); a silent socket gets twice as long. */
  timeoutMs: number;
}

export interface SlackSettings {
  token: string;
  /** Default channel (name or ID); each alert may add routed ones. */
  channel?: string;
  /** Channel of failure notices (default: `channel`). */
  failureChannel?: string;
  /** Web API base URL (default https://slack.com/api/); a stand-in in tests. */
  apiUrl?: string;
  /** Retries of a rate-limited or failed request (Retry-After is honoured). */
  retries: number;
  /** Milliseconds before the first retry of a failed (not rate-limited) request. */
  retryMinMs: number;
}

export interface LlmSettings {
  apiKey: string;
  /** API base URL without /v1 (default: Anthropic's). */
  baseUrl?: string;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Attempts per request: timeouts, rate limits, overload and malformed answers are retried. */
  maxAttempts: number;
  /** Milliseconds before the first retry (doubled each time; a Retry-After header wins). */
  retryMinMs: number;
}

/** Every channel setting, resolved. A channel that is not configured is undefined. */
export interface ChannelSettings {
  email?: EmailSettings;
  slack?: SlackSettings;
  llm?: LlmSettings;
  /** Settings that are set but unusable, e.g. "ANOMSTACK_ALERT_EMAIL_SMTP_PORT: expected a port number, got "x"". */
  problems: string[];
  /** Replaces every configured secret with "***". */
  redact: Redactor;
}

/** Variables whose values are secrets (never logged, never returned). */
export const SECRET_ENV_VARS = [
  "ANOMSTACK_ALERT_EMAIL_PASSWORD",
  "ANOMSTACK_SLACK_BOT_TOKEN",
  "ANOMSTACK_ANTHROPIC_API_KEY",
  "ANTHROPIC_API_KEY",
  "ANOMSTACK_ANTHROPIC_KEY",
] as const;

const DEFAULT_SMTP_HOST = "smtp.gmail.com"; // the original's default
const DEFAULT_PORTS: Record<SmtpSecurity, number> = { starttls: 587, tls: 465, none: 25 };

/**
 * Split an address list on commas and semicolons, trimmed, without empties or duplicates.
 * @example splitAddresses("a@x.com, b@y.com;a@x.com") // => ["a@x.com", "b@y.com"]
 */
export function splitAddresses(value: string | readonly string[] | undefined): string[] {
  const parts = (Array.isArray(value) ? value : [value ?? ""]).flatMap((v) => String(v).split(/[,;]/));
  return [...new Set(parts.map((s) => s.trim()).filter((s) => s !== ""))];
}

function get(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

function positiveInt(env: Env, name: string, fallback: number, problems: string[], min = 1): number {
  const raw = get(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    problems.push(`${name}: expected an integer ≥ ${min}, got "${raw}"`);
    return fallback;
  }
  return n;
}

function resolveEmail(env: Env, problems: string[]): EmailSettings | undefined {
  const from = get(env, "ANOMSTACK_ALERT_EMAIL_FROM");
  const to = splitAddresses(get(env, "ANOMSTACK_ALERT_EMAIL_TO"));
  if (!from && to.length === 0) return undefined;
  if (!from) {
    problems.push("email: ANOMSTACK_ALERT_EMAIL_TO is set but ANOMSTACK_ALERT_EMAIL_FROM is not");
    return undefined;
  }
  if (to.length === 0) {
    problems.push("email: ANOMSTACK_ALERT_EMAIL_FROM is set but ANOMSTACK_ALERT_EMAIL_TO is not");
    return undefined;
  }
  const rawSecurity = (get(env, "ANOMSTACK_ALERT_EMAIL_SMTP_SECURITY") ?? "starttls").toLowerCase();
  let security: SmtpSecurity = "starttls";
  if ((SMTP_SECURITY as readonly string[]).includes(rawSecurity)) security = rawSecurity as SmtpSecurity;
  else problems.push(`ANOMSTACK_ALERT_EMAIL_SMTP_SECURITY: expected one of ${SMTP_SECURITY.join(", ")}, got "${rawSecurity}"`);
  const port = positiveInt(env, "ANOMSTACK_ALERT_EMAIL_SMTP_PORT", DEFAULT_PORTS[security], problems);
  let ca = get(env, "ANOMSTACK_ALERT_EMAIL_SMTP_CA");
  if (ca && !ca.includes("-----BEGIN")) {
    try {
      ca = fs.readFileSync(ca, "utf8");
    } catch (e) {
      problems.push(`ANOMSTACK_ALERT_EMAIL_SMTP_CA: cannot read ${ca}: ${(e as Error).message}`);
      ca = undefined;
    }
  }
  return {
    from,
    to,
    host: get(env, "ANOMSTACK_ALERT_EMAIL_SMTP_HOST") ?? DEFAULT_SMTP_HOST,
    port,
    security,
    user: get(env, "ANOMSTACK_ALERT_EMAIL_SMTP_USER") ?? from,
    password: env.ANOMSTACK_ALERT_EMAIL_PASSWORD || undefined,
    ca,
    failureTo: splitAddresses(get(env, "ANOMSTACK_FAILURE_EMAIL_TO")).length ? splitAddresses(get(env, "ANOMSTACK_FAILURE_EMAIL_TO")) : to,
    timeoutMs: positiveInt(env, "ANOMSTACK_ALERT_EMAIL_TIMEOUT_SECONDS", 15, problems) * 1000,
  };
}

function resolveSlack(env: Env, problems: string[]): SlackSettings | undefined {
  const token = get(env, "ANOMSTACK_SLACK_BOT_TOKEN");
  const channel = get(env, "ANOMSTACK_SLACK_CHANNEL");
  if (!token) {
    if (channel) problems.push("slack: ANOMSTACK_SLACK_CHANNEL is set but ANOMSTACK_SLACK_BOT_TOKEN is not");
    return undefined;
  }
  let apiUrl = get(env, "ANOMSTACK_SLACK_API_URL");
  if (apiUrl && !apiUrl.endsWith("/")) apiUrl += "/"; // the client appends method names to it
  return {
    token,
    channel,
    failureChannel: get(env, "ANOMSTACK_FAILURE_SLACK_CHANNEL") ?? channel,
    apiUrl,
    retries: positiveInt(env, "ANOMSTACK_SLACK_RETRIES", 5, problems, 0),
    retryMinMs: 1000,
  };
}

function resolveLlm(env: Env, problems: string[]): LlmSettings | undefined {
  const apiKey = get(env, "ANOMSTACK_ANTHROPIC_API_KEY") ?? get(env, "ANTHROPIC_API_KEY") ?? get(env, "ANOMSTACK_ANTHROPIC_KEY");
  if (!apiKey) return undefined;
  return {
    apiKey,
    baseUrl: get(env, "ANOMSTACK_ANTHROPIC_BASE_URL"),
    timeoutMs: positiveInt(env, "ANOMSTACK_LLM_TIMEOUT_SECONDS", 120, problems) * 1000,
    maxAttempts: positiveInt(env, "ANOMSTACK_LLM_MAX_ATTEMPTS", 3, problems),
    retryMinMs: 2000,
  };
}

/**
 * Resolve every channel's settings from an env-like record. Email is configured when
 * ANOMSTACK_ALERT_EMAIL_FROM and _TO are set (host default smtp.gmail.com, port 587, STARTTLS);
 * Slack when ANOMSTACK_SLACK_BOT_TOKEN is set; LLM alerts when an Anthropic key is set.
 * Half-configured channels are reported in `problems` and left out.
 */
export function resolveChannelSettings(env: Env): ChannelSettings {
  const problems: string[] = [];
  const email = resolveEmail(env, problems);
  const slack = resolveSlack(env, problems);
  const llm = resolveLlm(env, problems);
  const redact = createRedactor(SECRET_ENV_VARS.map((k) => env[k]));
  return { email, slack, llm, problems, redact };
}
