// `anomstack dashboard`: serve the Windmill dashboard app (f/anomstack/dashboard.raw_app) locally,
// against the local DuckDB store. The page is the app's own code bundled with a shim for `./wmill`;
// its backend calls (POST /api/backend/<id>) run the scripts its backend/*.yaml name, as Windmill would.
// Loopback only by default; any other address needs a token. A second after the last call the DuckDB
// file is released, so pipeline runs in other processes can write to it.
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { DashboardInputError } from "../../f/anomstack/dashboard/errors.ts";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { APP_DIR, bundleApp, type AppBundle } from "./bundle.ts";
import { BackendCallError, loadRunnables, runRunnable, type Runnable } from "./backend.ts";

export const DEFAULT_PORT = 5003;
export const DEFAULT_HOST = "127.0.0.1";
const TOKEN_COOKIE = "anomstack_dashboard_token";
const MAX_BODY = 64 * 1024;
/** How long a call waits for a DuckDB file locked by another process (a pipeline run). */
const LOCK_WAIT_MS = 3_000;

export interface DashboardServerOptions {
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** Required on every request when set (Bearer header, cookie, or `?token=` on the page URL). */
  token?: string;
  appDir?: string;
  /**
   * Release the DuckDB file this long after the last call (default 1000 ms), so pipeline runs in other
   * processes can write to it between bursts of dashboard calls; -1 = keep it open.
   */
  releaseAfterMs?: number;
  /** One line per request. */
  log?: (line: string) => void;
}

export interface DashboardServer {
  url: string;
  host: string;
  port: number;
  bundle: AppBundle;
  close(): Promise<void>;
}

/** 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cache-Control": "no-store",
};

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Anomstack</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="bundle.css">
</head>
<body>
<div id="root"></div>
<script src="bundle.js"></script>
</body>
</html>
`;

function send(res: http.ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body), ...SECURITY_HEADERS, ...extra });
  res.end(body);
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(value));
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = crypto.createHash("sha256").update(given).digest();
  const b = crypto.createHash("sha256").update(token).digest();
  return crypto.timingSafeEqual(a, b);
}

function cookieToken(req: http.IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === TOKEN_COOKIE) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

/**
 * The request body, up to MAX_BODY bytes. A larger one is answered 413 once it has been read (and thrown
 * away): cutting the connection while the client still sends would reset it before it sees the answer.
 */
function readBody(req: http.IncomingMessage): Promise<string> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY) return Promise.reject(new BackendCallError(`request body larger than ${MAX_BODY} bytes`, 413));
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new BackendCallError(`request body larger than ${MAX_BODY} bytes`, 413));
        chunks.length = 0; // keep reading, keep nothing
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const isLockError = (e: unknown) => /is locked by another process|Could not set lock|Conflicting lock/i.test((e as Error)?.message ?? "");

/** Start the server; resolves once it listens. @throws for a non-loopback host without a token. */
export async function startDashboardServer(opts: DashboardServerOptions = {}): Promise<DashboardServer> {
  const host = opts.host ?? DEFAULT_HOST;
  const token = opts.token || undefined;
  if (!isLoopback(host) && !token) {
    throw new Error(
      `refusing to serve the dashboard on ${host} without a token: anyone who can reach it could read the metrics and write feedback. ` +
        "Set --token (or ANOMSTACK_DASHBOARD_TOKEN), or keep the default host 127.0.0.1.",
    );
  }
  const log = opts.log ?? (() => undefined);
  const releaseAfterMs = opts.releaseAfterMs ?? 1000;
  let releaseTimer: NodeJS.Timeout | undefined;
  const runnables: Map<string, Runnable> = loadRunnables(opts.appDir ?? APP_DIR);
  const bundle = await bundleApp({ appDir: opts.appDir });
  // The bundle may be cached by the browser (and its compiled code kept), revalidated on every load.
  const etag = `"${crypto.createHash("sha256").update(bundle.js).update(bundle.css).digest("hex").slice(0, 16)}"`;
  const sendAsset = (req: http.IncomingMessage, res: http.ServerResponse, type: string, body: string) => {
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, { ...SECURITY_HEADERS, "Cache-Control": "no-cache", ETag: etag });
      return res.end();
    }
    return send(res, 200, type, body, { "Cache-Control": "no-cache", ETag: etag });
  };
  let port = opts.port ?? DEFAULT_PORT;

  // One backend call at a time; the DuckDB file is released once no call came for releaseAfterMs.
  let queue: Promise<unknown> = Promise.resolve();
  let pending = 0;
  const scheduleRelease = () => {
    if (releaseAfterMs < 0 || pending > 0) return;
    clearTimeout(releaseTimer);
    releaseTimer = setTimeout(() => {
      if (pending === 0) queue = queue.then(() => closeAllDuckdbInstances()).catch(() => undefined);
    }, releaseAfterMs);
    releaseTimer.unref();
  };
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn);
    queue = run.catch(() => undefined);
    return run;
  };

  async function call(r: Runnable, args: Record<string, unknown>): Promise<unknown> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        pending++;
        clearTimeout(releaseTimer);
        try {
          return await serialized(() => runRunnable(r, args));
        } finally {
          pending--;
          scheduleRelease();
        }
      } catch (e) {
        if (!isLockError(e) || Date.now() > deadline) throw e;
        // the failed open may have left a broken instance behind: drop it before retrying
        await serialized(() => closeAllDuckdbInstances());
        await new Promise((res) => setTimeout(res, 100));
      }
    }
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, id: string): Promise<void> {
    const started = performance.now();
    let status = 200;
    try {
      if (req.method !== "POST") throw new BackendCallError("use POST", 405);
      if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) {
        throw new BackendCallError("send the arguments as JSON (Content-Type: application/json)", 415);
      }
      const r = runnables.get(id);
      if (!r) throw new BackendCallError(`unknown runnable "${id.slice(0, 60)}"; the app has ${[...runnables.keys()].join(", ")}`, 404);
      const text = await readBody(req);
      let args: unknown = {};
      if (text.trim() !== "") {
        try {
          args = JSON.parse(text);
        } catch {
          throw new BackendCallError("the request body is not valid JSON");
        }
      }
      if (!args || typeof args !== "object" || Array.isArray(args)) throw new BackendCallError("the arguments must be a JSON object");
      const result = await call(r, args as Record<string, unknown>);
      sendJson(res, 200, { result: result ?? null });
    } catch (e) {
      const err = e as Error;
      if (e instanceof BackendCallError) status = e.status;
      else if (e instanceof DashboardInputError) status = 400;
      else if (isLockError(e)) status = 503;
      else status = 500;
      const body: Record<string, unknown> = { error: err.message ?? String(e) };
      if (e instanceof DashboardInputError) body.field = e.field;
      if (status === 503) body.error = `the metrics store is busy (locked by another process, a pipeline run?); try again. ${err.message}`;
      if (status === 413) {
        // answer after the body is read (and dropped), and close: the client gets the 413, not a reset
        res.setHeader("Connection", "close");
        req.resume();
        if (!req.readableEnded) await new Promise((r) => req.once("end", r).once("error", r));
      }
      sendJson(res, status, body);
    } finally {
      log(`${req.method} /api/backend/${id} ${status} ${Math.round(performance.now() - started)} ms`);
    }
  }

  function hostAllowed(req: http.IncomingMessage): boolean {
    if (!isLoopback(host)) return true; // exposed on purpose: the token guards it
    const h = (req.headers.host ?? "").toLowerCase();
    return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${host}:${port}`].includes(h);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://dashboard.local");
    // Another site's page that resolves its own name to 127.0.0.1 (DNS rebinding) sends its own Host.
    if (!hostAllowed(req)) return send(res, 403, "text/plain; charset=utf-8", "unexpected Host header\n");
    if (url.pathname === "/health") return sendJson(res, 200, { status: "ok", service: "anomstack-dashboard" });
    if (token) {
      const q = url.searchParams.get("token");
      if (req.method === "GET" && url.pathname === "/" && q !== null) {
        if (!sameToken(q, token)) return send(res, 401, "text/plain; charset=utf-8", "wrong token\n");
        // Keep the token in a cookie and drop it from the address bar.
        return send(res, 302, "text/plain; charset=utf-8", "", {
          Location: "./",
          "Set-Cookie": `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        });
      }
      const auth = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
      if (!sameToken(auth ?? cookieToken(req), token)) {
        if (url.pathname.startsWith("/api/")) return sendJson(res, 401, { error: "this dashboard needs a token (Authorization: Bearer <token>)" });
        return send(res, 401, "text/plain; charset=utf-8", "This dashboard needs a token: open it as /?token=<token>.\n");
      }
    }
    const m = /^\/api\/backend\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
    if (m) {
      void api(req, res, m[1]);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain; charset=utf-8", "method not allowed\n");
    if (url.pathname === "/" || url.pathname === "/index.html") return send(res, 200, "text/html; charset=utf-8", INDEX_HTML);
    if (url.pathname === "/bundle.js") return sendAsset(req, res, "text/javascript; charset=utf-8", bundle.js);
    if (url.pathname === "/bundle.css") return sendAsset(req, res, "text/css; charset=utf-8", bundle.css);
    return send(res, 404, "text/plain; charset=utf-8", "not found\n");
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "EADDRINUSE" ? new Error(`port ${port} on ${host} is in use; pick another with --port (or ANOMSTACK_DASHBOARD_PORT)`) : e),
    );
    server.listen(port, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shown = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    host,
    port,
    bundle,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(releaseTimer);
        server.closeAllConnections();
        server.close(() => void serialized(() => closeAllDuckdbInstances()).finally(resolve));
      }),
  };
}
