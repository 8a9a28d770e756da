// A loopback stand-in of the Windmill API, enough for `wmill sync push --dry-run` (windmill-cli 1.819.0;
// /work/notes/windmill-facts.md §4): the workspace export the CLI diffs against (GET
// /api/w/<ws>/workspaces/tarball?archive_type=zip, a zip of the server's JSON export format), the
// version, whoami and the few lookups the push makes on the way. Written from what the CLI sends and
// expects (node_modules/windmill-cli/esm/main.js), not from Windmill's code. Every request is recorded;
// anything it does not know is answered 404 and shows up in `unknown`, so a test sees a new call.
import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";

/** A remote workspace: the files of its export archive (server format: `.script.json`, `.flow.json`, ...). */
export interface RemoteWorkspace {
  id: string;
  files: Record<string, string>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  body: string;
}

export interface ApiStandin {
  /** Base URL for `--base-url` (with a trailing slash, as the CLI normalises it). */
  url: string;
  token: string;
  requests: RecordedRequest[];
  /** Requests answered 404 because the stand-in does not know them. */
  unknown: RecordedRequest[];
  close(): Promise<void>;
}

/** A zip archive of `files`, stored without compression (what JSZip reads back). */
export function zipStore(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const nameBuf = Buffer.from(name, "utf8");
    const data = Buffer.from(text, "utf8");
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); // local file header
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); // central directory header
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, data);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); // end of central directory
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

export async function startApiStandin(ws: RemoteWorkspace): Promise<ApiStandin> {
  const token = "standin-token";
  const requests: RecordedRequest[] = [];
  const unknown: RecordedRequest[] = [];
  const wsPrefix = `/api/w/${ws.id}`;
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const r: RecordedRequest = { method: req.method ?? "GET", path: url.pathname, query: url.search, body: Buffer.concat(chunks).toString() };
      requests.push(r);
      const p = url.pathname;
      // the CLI asks for the version without a token (fetchVersion)
      if (r.method === "GET" && p === "/api/version") {
        res.writeHead(200, { "content-type": "text/plain" });
        return res.end("CE v1.819.0");
      }
      if (req.headers.authorization !== `Bearer ${token}`) return json(res, 401, "Unauthorized");
      // the user's workspaces (a workspace without a parent, i.e. not a fork)
      if (r.method === "GET" && p === "/api/workspaces/users") {
        return json(res, 200, {
          email: "admin@windmill.dev",
          workspaces: [{ id: ws.id, name: ws.id, username: "admin", parent_workspace_id: null }],
        });
      }
      // items marked workspace-specific on the server: none
      if (r.method === "GET" && p === `${wsPrefix}/workspaces/list_ws_specific`) return json(res, 200, []);
      // resource types whose values are files: none
      if (r.method === "GET" && p === `${wsPrefix}/resources/file_resource_type_to_file_ext_map`) return json(res, 200, {});
      if (r.method === "GET" && (p === "/api/users/whoami" || p === `${wsPrefix}/users/whoami`)) {
        return json(res, 200, {
          email: "admin@windmill.dev",
          username: "admin",
          is_admin: true,
          is_super_admin: true,
          operator: false,
          folders: [],
          groups: [],
        });
      }
      if (r.method === "GET" && p === `${wsPrefix}/workspaces/tarball`) {
        if (url.searchParams.get("archive_type") !== "zip") return json(res, 400, "Invalid Archive Type");
        res.writeHead(200, { "content-type": "application/octet-stream" });
        return res.end(zipStore(ws.files));
      }
      unknown.push(r);
      json(res, 404, `stand-in: no ${r.method} ${p}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    token,
    requests,
    unknown,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
