// A local stand-in for the Google Cloud Storage JSON API, enough for the model store: objects.list,
// objects.get (alt=media), objects.insert (multipart upload), objects.delete. It verifies each request's
// bearer token (an RS256 JWT signed by the test's service account key), answers with the MD5 and CRC32C
// hashes the client library validates, and records every request for the tests to assert.
import { createHash, createVerify, type KeyObject } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface GcsRequest {
  method: string;
  /** The path without the query, decoded. */
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** The object name the request is about ("" for a list). */
  name: string;
  /** Media bytes received (uploads). */
  bytes: number;
  /** The claims of the verified bearer token. */
  claims?: Record<string, unknown>;
}

export interface GcsStandIn {
  endpoint: string;
  requests: GcsRequest[];
  objects: Map<string, { body: Buffer; updated: Date; contentType?: string; generation: number }>;
  /** Answer a matching request with this status instead (fault injection). */
  fail?: (r: GcsRequest) => number | undefined;
  pageSize: number;
  /** Never answer a matching request (a hanging server). */
  hang?: (r: GcsRequest) => boolean;
  close(): Promise<void>;
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC32C (Castagnoli) as GCS reports it: base64 of the big-endian 32-bit value. */
export function crc32c(buf: Buffer): string {
  let c = 0xffffffff;
  for (const b of buf) c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return out.toString("base64");
}
const md5 = (b: Buffer) => createHash("md5").update(b).digest("base64");

/** The claims of a valid RS256 JWT signed by `key`, or why it is not one. */
function verifyJwt(token: string, key: KeyObject): Record<string, unknown> | string {
  const parts = token.split(".");
  if (parts.length !== 3) return "not a JWT";
  const header = JSON.parse(Buffer.from(parts[0], "base64url").toString());
  if (header.alg !== "RS256") return `alg ${header.alg}`;
  const ok = createVerify("RSA-SHA256").update(`${parts[0]}.${parts[1]}`).verify(key, Buffer.from(parts[2], "base64url"));
  if (!ok) return "bad signature";
  const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString());
  if (typeof claims.exp !== "number" || claims.exp * 1000 < Date.now()) return "expired";
  return claims;
}

/** The media part of a multipart/related upload, and its metadata. */
function parseMultipart(body: Buffer, contentType: string): { metadata: Record<string, unknown>; media: Buffer } {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const sep = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(sep);
  while (at >= 0) {
    const next = body.indexOf(sep, at + sep.length);
    if (next < 0) break;
    parts.push(body.subarray(at + sep.length + 2, next - 2)); // after CRLF, before CRLF
    at = next;
  }
  const content = (p: Buffer) => p.subarray(p.indexOf("\r\n\r\n") + 4);
  return { metadata: JSON.parse(content(parts[0]).toString()), media: content(parts[1]) };
}

export async function startGcsStandIn(opts: { bucket: string; publicKey: KeyObject; clientEmail: string }): Promise<GcsStandIn> {
  const standIn: GcsStandIn = { endpoint: "", requests: [], objects: new Map(), pageSize: 1000, close: async () => undefined };
  let generation = 1;
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const error = (res: http.ServerResponse, status: number, message: string) =>
    json(res, status, { error: { code: status, message, errors: [{ message }] } });
  const resource = (name: string) => {
    const o = standIn.objects.get(name)!;
    return {
      kind: "storage#object",
      bucket: opts.bucket,
      name,
      generation: String(o.generation),
      contentType: o.contentType,
      size: String(o.body.length),
      updated: o.updated.toISOString(),
      md5Hash: md5(o.body),
      crc32c: crc32c(o.body),
    };
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const [rawPath, rawQuery = ""] = (req.url ?? "/").split("?");
      const query = Object.fromEntries(new URLSearchParams(rawQuery));
      const pathName = decodeURIComponent(rawPath);
      const objectPath = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(rawPath);
      const name = objectPath ? decodeURIComponent(objectPath[2]) : (query.name ?? "");
      const r: GcsRequest = { method: req.method ?? "", path: pathName, query, headers: req.headers, name, bytes: 0 };
      standIn.requests.push(r);
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (!token) return error(res, 401, "Anonymous caller does not have storage.objects access");
      const claims = verifyJwt(token, opts.publicKey);
      if (typeof claims === "string") return error(res, 401, `Invalid Credentials (${claims})`);
      if (claims.iss !== opts.clientEmail || !String(claims.scope ?? "").includes("devstorage"))
        return error(res, 403, "token not for this service account or scope");
      r.claims = claims;
      if (standIn.hang?.(r)) return;
      const fault = standIn.fail?.(r);
      if (fault) return error(res, fault, "injected fault");
      const bucketOf = /^\/(?:upload\/)?storage\/v1\/b\/([^/]+)\/o/.exec(rawPath)?.[1];
      if (bucketOf !== undefined && decodeURIComponent(bucketOf) !== opts.bucket) return error(res, 404, "The specified bucket does not exist.");
      if (req.method === "GET" && rawPath === `/storage/v1/b/${opts.bucket}/o`) {
        const prefix = query.prefix ?? "";
        const all = [...standIn.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
        const start = query.pageToken ? all.indexOf(Buffer.from(query.pageToken, "base64").toString()) : 0;
        const size = Math.min(standIn.pageSize, Number(query.maxResults ?? standIn.pageSize));
        const next = all[start + size];
        return json(res, 200, {
          kind: "storage#objects",
          items: all.slice(start, start + size).map(resource),
          ...(next !== undefined ? { nextPageToken: Buffer.from(next).toString("base64") } : {}),
        });
      }
      if (req.method === "POST" && rawPath === `/upload/storage/v1/b/${opts.bucket}/o` && query.uploadType === "multipart") {
        const { metadata, media } = parseMultipart(body, String(req.headers["content-type"]));
        const objectName = String(metadata.name ?? query.name ?? "");
        r.name = objectName;
        r.bytes = media.length;
        standIn.objects.set(objectName, {
          body: media,
          updated: new Date(),
          contentType: metadata.contentType as string | undefined,
          generation: generation++,
        });
        return json(res, 200, resource(objectName));
      }
      if (objectPath) {
        const found = standIn.objects.get(name);
        if (!found) return error(res, 404, `No such object: ${opts.bucket}/${name}`);
        if (req.method === "GET" && query.alt === "media") {
          res.writeHead(200, {
            "content-type": found.contentType ?? "application/octet-stream",
            "content-length": found.body.length,
            "x-goog-hash": `crc32c=${crc32c(found.body)},md5=${md5(found.body)}`,
            "x-goog-generation": String(found.generation),
          });
          res.end(found.body);
          return;
        }
        if (req.method === "GET") return json(res, 200, resource(name));
        if (req.method === "DELETE") {
          standIn.objects.delete(name);
          res.writeHead(204);
          res.end();
          return;
        }
      }
      error(res, 400, `${req.method} ${pathName} is not part of this stand-in`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  standIn.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standIn.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return standIn;
}
