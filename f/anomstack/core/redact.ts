// Keeps secrets (SMTP password, Slack token, API keys) out of logs, errors and job results: every
// message that leaves a channel or the LLM client, and every log line of a stage, passes through here.
//nobundling
import type { Logger } from "./log.ts";

/** Replaces secrets in a text with "***". */
export type Redactor = (text: string) => string;

/** Shorter strings are not treated as secrets: replacing "a" everywhere would wreck messages, not hide anything. */
const MIN_SECRET_LENGTH = 4;

// Shapes of secrets that may reach a message without being one of the configured values (a token
// echoed from another workspace, a key in a URL): Slack tokens, Anthropic keys, bearer headers,
// passwords in URLs.
const PATTERNS: RegExp[] = [
  /\bxox[abposr]-[A-Za-z0-9-]+/g,
  /\bxapp-[A-Za-z0-9-]+/g,
  /\bsk-ant-[A-Za-z0-9_-]+/g,
  /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /(\/\/[^/:@\s]+:)[^@\s/]+(@)/g,
];

/**
 * A redactor for `secrets` (empty and very short values are ignored). Each secret is also replaced in
 * its base64 and URL-encoded forms, which is how SMTP AUTH and form bodies carry it.
 * @example createRedactor(["hunter22"])("login hunter22 failed") // => "login *** failed"
 */
export function createRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const needles = new Set<string>();
  for (const s of secrets) {
    if (!s || s.length < MIN_SECRET_LENGTH) continue;
    needles.add(s);
    needles.add(encodeURIComponent(s));
    const b64 = Buffer.from(s).toString("base64");
    needles.add(b64);
    needles.add(b64.replace(/=+$/, ""));
  }
  // Longest first, so a secret containing another is replaced whole.
  const sorted = [...needles].filter((n) => n.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = String(text);
    for (const n of sorted) out = out.split(n).join("***");
    for (const p of PATTERNS) {
      out = out.replace(p, (_m, ...groups) => {
        const first = groups[0];
        if (typeof first === "string" && /^bearer$/i.test(first)) return `${first} ***`;
        if (typeof first === "string" && first.startsWith("//")) return `${first}***${groups[1]}`;
        return "***";
      });
    }
    return out;
  };
}

/** A logger whose every line is redacted first. */
export function redactingLogger(log: Logger, redact: Redactor): Logger {
  return {
    debug: (m) => log.debug(redact(m)),
    info: (m) => log.info(redact(m)),
    warn: (m) => log.warn(redact(m)),
    error: (m) => log.error(redact(m)),
    child: (scope) => redactingLogger(log.child(scope), redact),
  };
}

/** A copy of `value` (JSON-like) with every string redacted: for job results. */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact)) as T;
  if (value && typeof value === "object" && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, redact);
    return out as T;
  }
  return value;
}
