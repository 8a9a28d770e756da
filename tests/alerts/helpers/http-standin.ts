// Local HTTP stand-ins for Slack's Web API and Anthropic's Messages API: every request is recorded
// (method path, headers, parsed body) so tests can assert exactly what the real client libraries send;
// replies come from per-path handlers the test sets.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Raw body. */
  raw: Buffer;
  /** application/x-www-form-urlencoded bodies, parsed. */
  form?: Record<string, string>;
  /** JSON bodies, parsed. */
  json?: any;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Wait this long before answering (timeouts). */
  delayMs?: number;
}

export type Handler = (req: Recorded, n: number) => Reply;

export interface StandIn {
  url: string;
  requests: Recorded[];
  /** Handlers by path; `n` counts the requests to that path so far (1 = first). */
  handlers: Map<string, Handler>;
  close(): Promise<void>;
}

export async function startStandIn(defaults: Record<string, Handler> = {}): Promise<StandIn> {
  const requests: Recorded[] = [];
  const handlers = new Map(Object.entries(defaults));
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const path = (req.url ?? "").split("?")[0];
      const type = String(req.headers["content-type"] ?? "");
      const rec: Recorded = { path, headers: req.headers, raw };
      if (type.startsWith("application/x-www-form-urlencoded")) rec.form = Object.fromEntries(new URLSearchParams(raw.toString("utf8")));
      if (type.startsWith("application/json")) rec.json = JSON.parse(raw.toString("utf8"));
      requests.push(rec);
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      const handler = handlers.get(path);
      const reply: Reply = handler ? handler(rec, n) : { status: 404, body: { ok: false, error: "unknown_method" } };
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
        res.end(typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {}));
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    handlers,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A Slack stand-in answering conversations.list (two pages), chat.postMessage and the three upload v2 calls. */
export async function startSlack(
  channels: { id: string; name: string }[] = [
    { id: "C0000000001", name: "general" },
    { id: "C0000000002", name: "alerts" },
  ],
): Promise<StandIn> {
  let ts = 0;
  const s = await startStandIn({
    "/api/conversations.list": (r) =>
      r.form?.cursor === "page2"
        ? { body: { ok: true, channels: channels.slice(1).map((c) => ({ ...c, is_channel: true })), response_metadata: { next_cursor: "" } } }
        : {
            body: {
              ok: true,
              channels: channels.slice(0, 1).map((c) => ({ ...c, is_channel: true })),
              response_metadata: { next_cursor: channels.length > 1 ? "page2" : "" },
            },
          },
    "/api/chat.postMessage": (r) => ({ body: { ok: true, channel: r.form?.channel, ts: `1700000000.00000${++ts}` } }),
    "/api/files.completeUploadExternal": (r) => ({
      body: { ok: true, files: JSON.parse(r.form?.files ?? "[]").map((f: { id: string; title: string }) => ({ id: f.id, title: f.title })) },
    }),
    "/upload/F0001": () => ({ body: "OK", headers: { "content-type": "text/plain" } }),
  });
  s.handlers.set("/api/files.getUploadURLExternal", () => ({ body: { ok: true, upload_url: `${s.url}/upload/F0001`, file_id: "F0001" } }));
  return s;
}

/** The requests to Slack API methods (upload requests excluded), by method name. */
export function slackCalls(s: StandIn): string[] {
  return s.requests.map((r) => r.path.replace(/^\/api\//, "").replace(/^\/upload\/.*/, "(upload)"));
}

/** A Messages API reply whose content is one report_anomalies tool call. */
export function toolReply(anomalies: { timestamp: string; value: number; explanation: string }[]): Reply {
  return {
    body: {
      id: "msg_test",
      type: "message",
      role: "assistant",
      model: "claude-test",
      content: [{ type: "tool_use", id: "toolu_1", name: "report_anomalies", input: { anomalies } }],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 10 },
    },
  };
}
