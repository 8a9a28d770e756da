// What a `model_path` names: a local folder, an S3 bucket + prefix or a GCS bucket + prefix. Parsed once
// here, so the config schema (at load) and the model store (at run) accept and refuse the same paths.
//nobundling

export type ModelPath =
  | { scheme: "local"; dir: string }
  | { scheme: "s3" | "gs"; bucket: string /** Without leading or trailing "/" ("" = the bucket's root). */; prefix: string };

/** The forms a model_path may take, for messages. */
export const MODEL_PATH_FORMS = "local://DIR, s3://BUCKET/PREFIX, gs://BUCKET/PREFIX";

/**
 * Parse a `model_path`, or say what is wrong with it.
 * @example parseModelPath("s3://bucket/models/") // => { scheme: "s3", bucket: "bucket", prefix: "models" }
 */
export function parseModelPath(value: string): ModelPath | { problem: string } {
  const m = /^([a-z0-9]+):\/\/(.*)$/i.exec(value);
  if (!m) return { problem: `"${value}" must look like one of ${MODEL_PATH_FORMS}` };
  const scheme = m[1].toLowerCase();
  const rest = m[2];
  if (scheme === "local") return rest ? { scheme, dir: rest } : { problem: `"${value}" names no folder` };
  if (scheme === "s3" || scheme === "gs") {
    const slash = rest.indexOf("/");
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    if (!bucket) return { problem: `"${value}" names no bucket (${scheme}://BUCKET/PREFIX)` };
    // Bucket names: lower-case letters, digits, '-', '.' and (GCS) '_', as both services allow.
    if (!/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(bucket)) {
      return { problem: `"${value}": "${bucket}" is not a valid bucket name (lower-case letters, digits, '.', '-'; 3 characters or more)` };
    }
    const prefix = slash < 0 ? "" : rest.slice(slash + 1).replace(/^\/+|\/+$/g, "");
    return { scheme, bucket, prefix };
  }
  return { problem: `scheme "${m[1]}://" is not supported (supported: ${MODEL_PATH_FORMS}); got "${value}"` };
}
