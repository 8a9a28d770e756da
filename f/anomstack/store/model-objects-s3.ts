// The model store's objects in S3 or an S3-compatible store (MinIO, R2, Ceph...), through @aws-sdk/client-s3.
// Credentials: ANOMSTACK_AWS_ACCESS_KEY_ID / _SECRET_ACCESS_KEY (the original's), else the usual AWS_*
// variables, else the SDK's default chain (profile, instance role). ANOMSTACK_S3_ENDPOINT names an
// S3-compatible endpoint (path-style addressing unless ANOMSTACK_S3_FORCE_PATH_STYLE=false).
//nobundling
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import type { Env } from "../core/env.ts";
import { StoreError } from "./metrics-store.ts";
import { modelStoreTimeoutMs, type ObjectInfo, type ObjectStore } from "./model-objects.ts";

/** Every network wait is bounded: connecting, and a whole request (the SDK makes 3 attempts in all). */
const CONNECT_TIMEOUT_MS = 10_000;

/** The S3 client settings `env` asks for. */
export function s3ClientConfig(env: Env): S3ClientConfig {
  const pick = (...names: string[]) => names.map((n) => env[n]).find((v) => v !== undefined && v !== "");
  const own = pick("ANOMSTACK_AWS_ACCESS_KEY_ID") !== undefined || pick("ANOMSTACK_AWS_SECRET_ACCESS_KEY") !== undefined;
  const [idVar, secretVar, tokenVar] = own
    ? ["ANOMSTACK_AWS_ACCESS_KEY_ID", "ANOMSTACK_AWS_SECRET_ACCESS_KEY", "ANOMSTACK_AWS_SESSION_TOKEN"]
    : ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];
  const accessKeyId = pick(idVar);
  const secretAccessKey = pick(secretVar);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new StoreError(
      `s3 model store: ${accessKeyId === undefined ? secretVar : idVar} is set but not ${accessKeyId === undefined ? idVar : secretVar} (both are needed)`,
    );
  }
  const endpoint = pick("ANOMSTACK_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
  const pathStyle = pick("ANOMSTACK_S3_FORCE_PATH_STYLE");
  return {
    region: pick("ANOMSTACK_AWS_REGION", "AWS_REGION", "AWS_DEFAULT_REGION") ?? "us-east-1",
    ...(endpoint ? { endpoint } : {}),
    // S3-compatible stores mostly want path-style (http://host/bucket/key); AWS itself virtual-hosted.
    forcePathStyle: pathStyle !== undefined ? !/^(false|0|no)$/i.test(pathStyle) : endpoint !== undefined,
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, sessionToken: pick(tokenVar) } } : {}),
    // Many S3-compatible stores refuse the newer default checksum headers: send them only when required.
    ...(endpoint ? { requestChecksumCalculation: "WHEN_REQUIRED" as const, responseChecksumValidation: "WHEN_REQUIRED" as const } : {}),
    maxAttempts: 3,
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: modelStoreTimeoutMs(env), throwOnRequestTimeout: true },
  };
}

/** Objects under s3://bucket/prefix/. */
export function openS3Objects(bucket: string, prefix: string, env: Env): ObjectStore {
  const client = new S3Client(s3ClientConfig(env));
  const root = prefix ? `${prefix}/` : "";
  const notFound = (e: unknown) => {
    const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
    return err.name === "NoSuchKey" || err.name === "NotFound" || err.$metadata?.httpStatusCode === 404;
  };
  return {
    describe: (key) => `s3://${bucket}/${root}${key}`,
    async list(p: string): Promise<ObjectInfo[]> {
      const out: ObjectInfo[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${root}${p}`, ContinuationToken: token }));
        for (const o of page.Contents ?? []) {
          if (o.Key) out.push({ key: o.Key.slice(root.length), modified: o.LastModified?.getTime() ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out;
    },
    async get(key: string): Promise<Buffer | undefined> {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${root}${key}` }));
        return Buffer.from(await res.Body!.transformToByteArray());
      } catch (e) {
        if (notFound(e)) return undefined;
        throw e;
      }
    },
    async put(key: string, body: Buffer, contentType: string): Promise<void> {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${root}${key}`, Body: body, ContentType: contentType }));
    },
    async delete(key: string): Promise<void> {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${root}${key}` }));
      } catch (e) {
        if (!notFound(e)) throw e;
      }
    },
  };
}
