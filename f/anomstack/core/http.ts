// HTTP for a batch's ingest function (`ingest({ http })`): JSON and text requests with a timeout, and
// one error type, SourceError, whose message names the batch, the method and the URL (secrets in the
// query masked) and says what went wrong: no network, no answer, a rate limit, an HTTP error, a body that
// is not JSON, a response of the wrong shape.
//nobundling
import type { HttpInit, IngestHttp } from "./batch-api.ts";

/** A source of a batch's ingest failed. */
export class SourceError extends Error {
  override name = "SourceError";
  constructor(
    readonly batch: string,
    readonly method: string,
    /** The URL as shown (secret query parameters masked). */
    readonly url: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${batch}: ${method} ${url}: ${reason}`, options);
  }
}

const SECRET_PARAM = /^(key|api[_-]?key|apikey|token|access[_-]?token|auth|secret|password|crumb|sig|signature)$/i;
const DEFAULT_TIMEOUT_MS = 10_000;
/** Sources fetched at the same time by `each`. */
const EACH_CONCURRENCY = 4;

/** The URL with the values of secret-looking query parameters (key, token, crumb, ...) replaced by ***. */
export function maskUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  let masked = false;
  for (const name of [...u.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) {
      u.searchParams.set(name, "***");
      masked = true;
    }
  }
  if (u.password) {
    u.password = "***";
    masked = true;
  }
  return masked ? u.toString().replace(/%2A%2A%2A/g, "***") : url;
}

function snippet(text: string, n = 120): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > n ? `${one.slice(0, n - 3)}...` : one;
}

/** Why fetch() itself failed: the system error (ECONNREFUSED, ENOTFOUND, ...) or the timeout. */
function networkReason(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === "TimeoutError" || err?.name === "AbortError") return `no answer within ${timeoutMs / 1000} s (timeout)`;
  const cause = err?.cause;
  // Node puts the system error in `cause` ("getaddrinfo ENOTFOUND host", "connect ECONNREFUSED 1.2.3.4:80").
  const detail = cause?.message || cause?.code;
  return `network error: ${detail ?? err?.message ?? String(e)}`;
}

/** The reason for a refused status: rate limits say so (with Retry-After / GitHub's reset time). */
function statusReason(res: Response, body: string): string {
  const h = res.headers;
  const remaining = h.get("x-ratelimit-remaining");
  const rateLimited = res.status === 429 || (res.status === 403 && remaining === "0");
  const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
  if (rateLimited) {
    const hints: string[] = [];
    const retry = h.get("retry-after");
    if (retry) hints.push(/^\d+$/.test(retry) ? `retry after ${retry} s` : `retry after ${retry}`);
    const reset = h.get("x-ratelimit-reset");
    if (reset && /^\d+$/.test(reset)) hints.push(`limit resets at ${new Date(Number(reset) * 1000).toISOString()}`);
    return `rate limited (${status}${hints.length ? `; ${hints.join("; ")}` : ""})`;
  }
  return `${status}${body.trim() ? `: ${snippet(body)}` : ""}`;
}

export interface HttpOptions {
  batch: string;
  /** Where skipped sources of `each` are reported. */
  warn: (message: string) => void;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

/** The `http` an ingest function receives. */
export function createIngestHttp(opts: HttpOptions): IngestHttp {
  const doFetch = opts.fetch ?? fetch;
  const fail = (method: string, url: string, reason: string, cause?: unknown) => new SourceError(opts.batch, method, maskUrl(url), reason, { cause });

  async function request(url: string, init: HttpInit = {}): Promise<{ res: Response; body: string; method: string }> {
    const method = (init.method ?? (init.json !== undefined ? "POST" : "GET")).toUpperCase();
    const timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (init.json !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === "content-type"))
      headers["Content-Type"] = "application/json";
    let res: Response;
    let body: string;
    try {
      res = await doFetch(url, {
        method,
        headers,
        body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = await res.text();
    } catch (e) {
      throw fail(method, url, networkReason(e, timeoutMs), e);
    }
    if (!res.ok && !(init.acceptStatus ?? []).includes(res.status)) throw fail(method, url, statusReason(res, body));
    return { res, body, method };
  }

  return {
    async json(url, init) {
      const { body, method } = await request(url, init);
      try {
        return JSON.parse(body) as unknown;
      } catch {
        throw fail(
          method,
          url,
          `malformed response: not JSON (${body.trim() ? `body starts with ${JSON.stringify(snippet(body, 40))}` : "empty body"})`,
        );
      }
    },
    async text(url, init) {
      const { res, body } = await request(url, init);
      return { body, headers: res.headers, status: res.status };
    },
    malformed(url, reason, method = "GET") {
      return fail(method.toUpperCase(), url, `malformed response: ${reason}`);
    },
    async each<S, T>(sources: readonly S[], label: (source: S) => string, fetchOne: (source: S) => Promise<T[]>): Promise<T[]> {
      const rows: T[] = [];
      const failures: string[] = [];
      for (let i = 0; i < sources.length; i += EACH_CONCURRENCY) {
        const group = sources.slice(i, i + EACH_CONCURRENCY);
        const settled = await Promise.allSettled(group.map((s) => fetchOne(s)));
        settled.forEach((r, j) => {
          if (r.status === "fulfilled") rows.push(...r.value);
          else
            failures.push(
              `${label(group[j])}: ${r.reason instanceof SourceError ? `${r.reason.method} ${r.reason.url}: ${r.reason.reason}` : String((r.reason as Error)?.message ?? r.reason)}`,
            );
        });
      }
      if (sources.length > 0 && failures.length === sources.length) {
        throw new Error(`${opts.batch}: every source failed:\n  - ${failures.join("\n  - ")}`);
      }
      for (const f of failures) opts.warn(`source skipped: ${f}`);
      return rows;
    },
  };
}
