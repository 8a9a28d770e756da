// The model store's objects in Google Cloud Storage, through @google-cloud/storage. The service account
// comes from the original's variables: ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON (inline JSON), else
// ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS (a key file), else Google's default credentials.
// ANOMSTACK_GCS_ENDPOINT names another endpoint (a test stand-in, a private endpoint).
//nobundling
import { Storage, type StorageOptions } from "@google-cloud/storage";
import type { Env } from "../core/env.ts";
import { StoreError } from "./metrics-store.ts";
import { modelStoreTimeoutMs, type ObjectInfo, type ObjectStore } from "./model-objects.ts";

/** Every network wait is bounded: per request, and the retries of one operation in all (3 attempts, as S3). */
const TOTAL_TIMEOUT_S = 600;

/** The GCS client settings `env` asks for. */
export function gcsClientOptions(env: Env): StorageOptions {
  const pick = (name: string) => (env[name] === undefined || env[name] === "" ? undefined : env[name]);
  const options: StorageOptions = {
    timeout: modelStoreTimeoutMs(env),
    retryOptions: { autoRetry: true, maxRetries: 2, totalTimeout: TOTAL_TIMEOUT_S },
  };
  const json = pick("ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON");
  const file = pick("ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS") ?? pick("GOOGLE_APPLICATION_CREDENTIALS");
  if (json) {
    let credentials: { project_id?: string; client_email?: string; private_key?: string; universe_domain?: string };
    try {
      credentials = JSON.parse(json);
    } catch (e) {
      throw new StoreError(`gs model store: ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof credentials !== "object" || credentials === null || !credentials.client_email || !credentials.private_key) {
      throw new StoreError("gs model store: ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON is not a service account key (client_email, private_key)");
    }
    options.credentials = credentials;
    if (credentials.project_id) options.projectId = credentials.project_id;
    // A key of another universe (not googleapis.com) is used there: the library checks the two agree.
    if (credentials.universe_domain) options.universeDomain = credentials.universe_domain;
  } else if (file) {
    options.keyFilename = file;
  }
  const project = pick("ANOMSTACK_GCP_PROJECT_ID");
  if (project) options.projectId = project;
  const endpoint = pick("ANOMSTACK_GCS_ENDPOINT");
  if (endpoint) {
    options.apiEndpoint = endpoint;
    // A custom endpoint still gets the service account's token (the library skips it by default).
    options.useAuthWithCustomEndpoint = json !== undefined || file !== undefined;
  }
  return options;
}

/** Objects under gs://bucket/prefix/. */
export function openGcsObjects(bucket: string, prefix: string, env: Env): ObjectStore {
  const gcs = new Storage(gcsClientOptions(env)).bucket(bucket);
  const root = prefix ? `${prefix}/` : "";
  const notFound = (e: unknown) => (e as { code?: number }).code === 404;
  return {
    describe: (key) => `gs://${bucket}/${root}${key}`,
    async list(p: string): Promise<ObjectInfo[]> {
      const [files] = await gcs.getFiles({ prefix: `${root}${p}`, autoPaginate: true });
      return files.map((f) => ({ key: f.name.slice(root.length), modified: Date.parse(String(f.metadata.updated ?? 0)) || 0 }));
    },
    async get(key: string): Promise<Buffer | undefined> {
      try {
        const [body] = await gcs.file(`${root}${key}`).download();
        return body;
      } catch (e) {
        if (notFound(e)) return undefined;
        throw e;
      }
    },
    async put(key: string, body: Buffer, contentType: string): Promise<void> {
      // One request (no resumable session): the objects are small and written whole.
      await gcs.file(`${root}${key}`).save(body, { resumable: false, contentType });
    },
    async delete(key: string): Promise<void> {
      await gcs.file(`${root}${key}`).delete({ ignoreNotFound: true });
    },
  };
}
