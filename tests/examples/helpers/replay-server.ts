// A local HTTP server replaying recorded API responses, so the API examples' ingest functions run here
// without internet. Routes come from an example's fixtures/routes.json (or a test): each matches a method,
// a path and optionally some query parameters, and answers with a status, headers and a body (inline or a
// file under fixtures/). Every request is recorded; an unmatched one gets a 404 naming it.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export interface Route {
  method?: string;
  path: string;
  /** Query parameters that must be present with these values (others are ignored). */
  query?: Record<string, string>;
  status?: number;
  headers?: Record<string, string | string[]>;
  /** The body: a string as is, anything else as JSON. */
  body?: unknown;
  /** The body from this file, relative to the fixtures folder. */
  file?: string;
  /** Wait this long before answering (to test timeouts). */
  delayMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ReplayServer {
  /** http://127.0.0.1:<port> */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** The routes of an example: `<exampleDir>/fixtures/routes.json` ({ "routes": [...] }), files resolved there. */
export function exampleRoutes(exampleDir: string): Route[] {
  const dir = path.join(exampleDir, "fixtures");
  const { routes } = JSON.parse(fs.readFileSync(path.join(dir, "routes.json"), "utf8")) as { routes: Route[] };
  return routes.map((r) => (r.file ? { ...r, file: path.join(dir, r.file) } : r));
}

function matches(route: Route, method: string, url: URL): boolean {
  if ((route.method ?? "GET").toUpperCase() !== method) return false;
  if (route.path !== decodeURIComponent(url.pathname)) return false;
  return Object.entries(route.query ?? {}).every(([k, v]) => url.searchParams.get(k) === v);
}

/** Start a server for `routes` (the first matching route answers). */
export async function startReplay(routes: readonly Route[]): Promise<ReplayServer> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const method = (req.method ?? "GET").toUpperCase();
      requests.push({
        method,
        path: decodeURIComponent(url.pathname),
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      const route = routes.find((r) => matches(r, method, url));
      const answer = () => {
        if (!route) {
          res.writeHead(404, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: `no recorded response for ${method} ${url.pathname}${url.search}` }));
          return;
        }
        const body = route.file
          ? fs.readFileSync(route.file)
          : typeof route.body === "string"
            ? route.body
            : route.body === undefined
              ? ""
              : JSON.stringify(route.body);
        const json = route.file
          ? route.file.endsWith(".json") || route.file.endsWith(".geojson")
          : typeof route.body !== "string" && route.body !== undefined;
        res.writeHead(route.status ?? 200, {
          ...(json ? { "content-type": "application/json" } : { "content-type": "text/plain" }),
          ...(route.headers ?? {}),
        });
        res.end(body);
      };
      if (route?.delayMs) setTimeout(answer, route.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
