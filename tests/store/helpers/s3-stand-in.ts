// A local stand-in for Amazon S3's REST API (path-style), enough for the model store: ListObjectsV2,
// GetObject, PutObject, DeleteObject. It checks every request's AWS Signature V4 against the test's
// secret key and the payload hash, and records method, key, query and headers so tests can assert what
// @aws-sdk/client-s3 really sends.
import { createHash, createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface S3Request {
  method: string;
  /** The object key (decoded), or "" for a bucket-level request. */
  key: string;
  bucket: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** Bytes received (PutObject). */
  bytes: number;
}

export interface S3StandIn {
  endpoint: string;
  requests: S3Request[];
  /** key → stored object. */
  objects: Map<string, { body: Buffer; modified: Date; contentType?: string }>;
  /** Answer a matching request with this status and S3 error code instead (fault injection). */
  fail?: (r: S3Request) => { status: number; code: string } | undefined;
  /** Keys per ListObjectsV2 page (S3's own limit is 1000). */
  pageSize: number;
  /** Never answer a matching request (a hanging server). */
  hang?: (r: S3Request) => boolean;
  close(): Promise<void>;
}

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const hmac = (key: Buffer | string, s: string) => createHmac("sha256", key).update(s).digest();
/** RFC 3986 encoding, as SigV4 wants it. */
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Why a request's SigV4 signature is wrong, or undefined when it is right. */
function signatureProblem(
  req: http.IncomingMessage,
  rawPath: string,
  rawQuery: string,
  body: Buffer,
  creds: { id: string; secret: string; region: string },
) {
  const auth = req.headers.authorization ?? "";
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return `not a SigV4 Authorization header: ${auth}`;
  const [, id, day, region, signed, signature] = m;
  if (id !== creds.id) return `access key ${id}, expected ${creds.id}`;
  if (region !== creds.region) return `region ${region}, expected ${creds.region}`;
  const payload = String(req.headers["x-amz-content-sha256"] ?? "");
  if (payload !== "UNSIGNED-PAYLOAD" && payload !== sha256(body)) return `x-amz-content-sha256 ${payload} is not the body's hash`;
  const query = rawQuery
    ? rawQuery
        .split("&")
        .map((p) => p.split("=").map((x) => rfc3986(decodeURIComponent(x.replace(/\+/g, " ")))))
        .map(([k, v = ""]) => [k, v])
        .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
        .map(([k, v]) => `${k}=${v}`)
        .join("&")
    : "";
  const names = signed.split(";");
  const headers = names
    .map(
      (n) =>
        `${n}:${String(req.headers[n] ?? "")
          .trim()
          .replace(/\s+/g, " ")}\n`,
    )
    .join("");
  const canonical = [req.method, rawPath, query, headers, signed, payload].join("\n");
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secret}`, day), region), "s3"), "aws4_request");
  if (hmac(key, toSign).toString("hex") !== signature) return "signature does not match";
  return undefined;
}

export async function startS3StandIn(opts: { bucket: string; accessKeyId: string; secretAccessKey: string; region?: string }): Promise<S3StandIn> {
  const creds = { id: opts.accessKeyId, secret: opts.secretAccessKey, region: opts.region ?? "us-east-1" };
  const standIn: S3StandIn = {
    endpoint: "",
    requests: [],
    objects: new Map(),
    pageSize: 1000,
    close: async () => undefined,
  };
  const error = (res: http.ServerResponse, status: number, code: string, message: string) => {
    res.writeHead(status, { "content-type": "application/xml" });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xml(message)}</Message></Error>`);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const [rawPath, rawQuery = ""] = (req.url ?? "/").split("?");
      const segments = rawPath.split("/").slice(1);
      const bucket = decodeURIComponent(segments[0] ?? "");
      const key = segments.slice(1).map(decodeURIComponent).join("/");
      const query = Object.fromEntries(new URLSearchParams(rawQuery));
      const r: S3Request = { method: req.method ?? "", key, bucket, query, headers: req.headers, bytes: body.length };
      standIn.requests.push(r);
      const bad = signatureProblem(req, rawPath, rawQuery, body, creds);
      if (bad) return error(res, 403, "SignatureDoesNotMatch", bad);
      if (bucket !== opts.bucket) return error(res, 404, "NoSuchBucket", `no bucket ${bucket}`);
      if (standIn.hang?.(r)) return;
      const fault = standIn.fail?.(r);
      if (fault) return error(res, fault.status, fault.code, "injected fault");
      if (req.method === "GET" && key === "" && query["list-type"] === "2") {
        const prefix = query.prefix ?? "";
        const all = [...standIn.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
        const start = query["continuation-token"] ? all.indexOf(Buffer.from(query["continuation-token"], "base64").toString()) : 0;
        const page = all.slice(start, start + standIn.pageSize);
        const next = all[start + standIn.pageSize];
        const encode = query["encoding-type"] === "url" ? (k: string) => encodeURIComponent(k) : xml;
        res.writeHead(200, { "content-type": "application/xml" });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xml(bucket)}</Name>` +
            `<Prefix>${encode(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${standIn.pageSize}</MaxKeys>` +
            `<IsTruncated>${next !== undefined}</IsTruncated>` +
            (next !== undefined ? `<NextContinuationToken>${Buffer.from(next).toString("base64")}</NextContinuationToken>` : "") +
            page
              .map((k) => {
                const o = standIn.objects.get(k)!;
                return `<Contents><Key>${encode(k)}</Key><LastModified>${o.modified.toISOString()}</LastModified><ETag>"${createHash("md5").update(o.body).digest("hex")}"</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
              })
              .join("") +
            "</ListBucketResult>",
        );
        return;
      }
      if (!key) return error(res, 400, "NotImplemented", `${req.method} on the bucket is not part of this stand-in`);
      const found = standIn.objects.get(key);
      if (req.method === "GET") {
        if (!found) return error(res, 404, "NoSuchKey", "The specified key does not exist.");
        res.writeHead(200, {
          "content-type": found.contentType ?? "application/octet-stream",
          "content-length": found.body.length,
          "last-modified": found.modified.toUTCString(),
        });
        res.end(found.body);
        return;
      }
      if (req.method === "PUT") {
        if (req.headers["content-encoding"]?.includes("aws-chunked")) return error(res, 400, "NotImplemented", "aws-chunked bodies");
        // S3 keeps LastModified to the second.
        standIn.objects.set(key, { body, modified: new Date(Math.floor(Date.now() / 1000) * 1000), contentType: req.headers["content-type"] });
        res.writeHead(200, { etag: `"${createHash("md5").update(body).digest("hex")}"` });
        res.end();
        return;
      }
      if (req.method === "DELETE") {
        standIn.objects.delete(key);
        res.writeHead(204);
        res.end();
        return;
      }
      error(res, 405, "MethodNotAllowed", `${req.method}`);
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
