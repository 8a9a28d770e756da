// A loopback stand-in of the one Windmill endpoint a Bun job needs at run time: the latest content of a
// script by path, `GET /api/w/<workspace>/scripts/raw_unpinned/p/<path>.ts` (scripts.rs
// `raw_script_by_path_internal`; /work/notes/windmill-facts.md §1.3, §1.6). It serves what `wmill sync
// push` would have deployed: the `.ts` files under f/ (not tests), optionally overlaid with the files of
// a workspace generated from another metrics folder. Every request is recorded.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

/** The scripts of a deployed workspace, by Windmill path (f/anomstack/ingest). */
export interface WorkspaceScripts {
  /** The content of the script at this Windmill path, or undefined when the workspace has none. */
  content(scriptPath: string): string | undefined;
}

/** Would `wmill sync push` deploy this repo-relative file as a script? (.ts under f/, no tests, no raw apps). */
export function isDeployedScript(rel: string): boolean {
  return rel.startsWith("f/") && rel.endsWith(".ts") && !rel.endsWith(".test.ts") && !rel.includes("/tests/") && !rel.includes(".raw_app/");
}

/** The scripts under `<root>/f`, with `overlay` (repo-relative path → content) taking precedence. */
export function repoScripts(root: string, overlay: ReadonlyMap<string, string> = new Map()): WorkspaceScripts {
  return {
    content(scriptPath) {
      const rel = `${scriptPath}.ts`;
      if (path.posix.normalize(rel) !== rel || !isDeployedScript(rel)) return undefined;
      if (overlay.has(rel)) return overlay.get(rel);
      const file = path.join(root, rel);
      return fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, "utf8") : undefined;
    },
  };
}

export interface RawScriptServer {
  /** Base URL (http://127.0.0.1:<port>), what a worker passes its jobs as BASE_URL. */
  url: string;
  /** Every request: the path asked for and the status answered. */
  requests: { path: string; status: number }[];
  close(): Promise<void>;
}

/** Start the stand-in; only requests bearing one of `tokens` (the jobs' WM_TOKEN) are answered. */
export async function startRawScriptServer(opts: {
  scripts: WorkspaceScripts;
  workspace: string;
  tokens: ReadonlySet<string>;
}): Promise<RawScriptServer> {
  const requests: RawScriptServer["requests"] = [];
  const prefix = `/api/w/${opts.workspace}/scripts/raw_unpinned/p/`;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const answer = (status: number, body: string) => {
      requests.push({ path: decodeURIComponent(url.pathname), status });
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
      res.end(body);
    };
    if (req.method !== "GET" || !url.pathname.startsWith(prefix)) return answer(404, `not found: ${url.pathname}`);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!token || !opts.tokens.has(token)) return answer(401, "Unauthorized");
    const rel = decodeURIComponent(url.pathname.slice(prefix.length));
    // The server accepts only paths with a script extension and looks the script up without it.
    if (!/\.(py|ts|go|sh)$/.test(rel)) return answer(400, `path must end with .py, .ts, .go or .sh: ${rel}`);
    const scriptPath = rel.replace(/\.bun\.ts$|\.deno\.ts$|\.ts$/, "");
    const content = opts.scripts.content(scriptPath);
    if (content === undefined) return answer(404, `script not found at name ${scriptPath}`);
    answer(200, content);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
