// Trained models under `model_path` (local://DIR, s3://BUCKET/PREFIX, gs://BUCKET/PREFIX): a few gzip
// JSON artifacts per shard per training run plus one small manifest per shard naming the current run, so
// a training run costs a handful of requests whatever the number of metrics. Layout: docs/model-store.md.
//nobundling
import { quietAwsNotice } from "./quiet-aws.ts";
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { parseModelPath } from "../config/model-path.ts";
import type { Env } from "../core/env.ts";
import { shardOf } from "../core/shard.ts";
import { StoreError } from "./metrics-store.ts";
import { FolderObjectStore, type ObjectInfo, type ObjectStore } from "./model-objects.ts";

/** One metric's models: model tag → the model's JSON. */
export type MetricModels = Readonly<Record<string, unknown>>;

/** A shard of a batch's metrics (see core/shard.ts); index 0 of 1 is the whole batch. */
export interface Shard {
  index: number;
  count: number;
}
export const WHOLE_BATCH: Shard = { index: 0, count: 1 };

export interface SaveRunOptions {
  /**
   * Metrics of this shard that this run did not train (failed, waiting for data, left out) but whose
   * previous models stay. The previous models of every other metric not in `models` are removed.
   */
  keep?: Iterable<string>;
  /** The batch's model tags: a kept metric that has only old per-metric files keeps those models too. */
  tags?: readonly string[];
  /** Where cleanup problems go (the new models are saved by then, so they do not fail the run). */
  warn?: (message: string) => void;
}

export interface SaveRunResult {
  run_id: string;
  /** Metrics in the new run (trained plus kept). */
  metrics: number;
  /** The artifacts written, relative to the store. */
  artifacts: string[];
  /** Compressed bytes written. */
  bytes: number;
  /** Objects removed after the switch (the previous run's artifacts, superseded manifests, old files). */
  removed: number;
}

/** The models of a batch (or of one shard) as one training run per shard left them. */
export interface BatchModels {
  /** The model JSON of (metric, tag), or undefined when there is none. */
  get(metric: string, tag: string): unknown | undefined;
  /** Every model of a metric (new layout only), or undefined. */
  modelsOf(metric: string): MetricModels | undefined;
  /** Metrics with models in the new layout. */
  readonly metrics: number;
  /** The training runs read (one per shard manifest). */
  readonly runs: readonly string[];
  /** Models in the old one-file-per-metric layout were found and are read for metrics no run covers. */
  readonly legacy: boolean;
}

/** A batch's trained models: saved a shard's run at a time, loaded a batch (or shard) at a time. */
export interface ModelStore {
  readonly location: string;
  /**
   * Replace the models of one shard of a batch with a new training run: the artifacts are written under
   * a new run id, then the shard's manifest is switched to them in one write, then the old run's
   * artifacts are removed. A run that fails before the switch leaves the previous models in place.
   */
  saveRun(batch: string, shard: Shard, models: ReadonlyMap<string, MetricModels>, opts?: SaveRunOptions): Promise<SaveRunResult>;
  /** The current models of a batch, or of the metrics of one shard, in a few reads. */
  loadModels(batch: string, shard?: Shard): Promise<BatchModels>;
}

/**
 * A batch name becomes a path segment: letters, digits, `.`, `-` and `_` stay, every other byte is
 * percent-encoded (as is a leading dot), so `a/b` and `a_b` never share a folder.
 * @example safePathSegment("cpu/user") // => "cpu%2Fuser"
 */
export function safePathSegment(name: string): string {
  // `u`: a character outside the BMP is one match (its 4 UTF-8 bytes), not two lone surrogates that
  // would both encode as U+FFFD and make every emoji name share one file.
  const encoded = name.replace(/[^A-Za-z0-9._-]/gu, (c) =>
    [...new TextEncoder().encode(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(""),
  );
  return encoded.replace(/^\./, "%2E");
}

/** File names longer than this are cut (most file systems allow 255 bytes per name). */
const MAX_NAME_BYTES = 200;

/** `segment` cut to fit MAX_NAME_BYTES with what follows it, the cut marked by a hash of the whole `name`. */
function fitSegment(segment: string, name: string, room: number): string {
  if (segment.length <= room) return segment;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 16);
  return `${segment.slice(0, room - hash.length - 1).replace(/%[0-9A-F]?$/, "")}~${hash}`;
}

/** The folder of a batch inside the store. */
export function batchFolder(batch: string): string {
  return fitSegment(safePathSegment(batch), batch, MAX_NAME_BYTES);
}

/**
 * Where the old layout (before runs and manifests) kept one model: `<batch>/<metric>_<tag>.json`, read
 * only for metrics that no training run in the new layout covers yet.
 */
export function legacyModelPath(batch: string, metric: string, tag: string): string {
  const tail = `_${safePathSegment(tag)}.json`;
  return `${batchFolder(batch)}/${fitSegment(safePathSegment(metric), metric, MAX_NAME_BYTES - tail.length)}${tail}`;
}

export const MANIFEST_FORMAT = "anomstack-models-manifest/1";
export const ARTIFACT_FORMAT = "anomstack-models/1";
/** An artifact holds at most this much JSON by default (before gzip); a bigger shard gets several. */
export const ARTIFACT_MAX_JSON_BYTES = 64 * 1024 * 1024;
/** Unreferenced artifacts younger than this may belong to a run still writing: they are left alone. */
const ORPHAN_GRACE_MS = 60 * 60 * 1000;
/** A read that meets an artifact removed by a newer run reads the manifests again, this many times. */
const LOAD_ATTEMPTS = 3;

interface Manifest {
  format: string;
  batch: string;
  shard: number;
  shard_count: number;
  run_id: string;
  created_at: string;
  metrics: number;
  /** Keys relative to the batch folder. */
  artifacts: { key: string; metrics: number; bytes: number }[];
}

/** A manifest as a listing shows it: its shard is in its name. */
interface ManifestEntry extends ObjectInfo, Shard {}

const shardName = (s: Shard) => `shard-${s.index}-of-${s.count}`;
const manifestKey = (dir: string, s: Shard) => `${dir}/manifests/${shardName(s)}.json`;
const runsFolder = (dir: string, s: Shard) => `${dir}/runs/${shardName(s)}/`;

function manifestEntries(dir: string, objects: readonly ObjectInfo[]): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  for (const o of objects) {
    const m = /^manifests\/shard-(\d+)-of-(\d+)\.json$/.exec(o.key.slice(dir.length + 1));
    if (m && o.key.startsWith(`${dir}/`)) out.push({ ...o, index: Number(m[1]), count: Number(m[2]) });
  }
  return out;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Whether shard `a` and shard `b` (of possibly different counts) can hold a common metric. */
function overlaps(a: Shard, b: Shard): boolean {
  const g = gcd(a.count, b.count);
  return a.index % g === b.index % g;
}

/** Whether the shards `have` (all of one count) hold every metric `s` can hold. */
function coveredBy(s: Shard, count: number, have: ReadonlySet<number>): boolean {
  for (let r = 0; r < count; r++) if (overlaps(s, { index: r, count }) && !have.has(r)) return false;
  return true;
}

function checkShardArg(shard: Shard): void {
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new StoreError(`invalid shard ${shard.index} of ${shard.count}`);
  }
}

/** An old per-metric model file: `<batch>/<name>.json`, directly in the batch folder. */
function isLegacyKey(dir: string, key: string): boolean {
  return key.startsWith(`${dir}/`) && !key.slice(dir.length + 1).includes("/") && key.endsWith(".json");
}

/** A metric's models from the old per-metric files, for `tags`; undefined when it has none. */
function legacyModelsOf(models: BatchModels, metric: string, tags: readonly string[]): MetricModels | undefined {
  if (!models.legacy) return undefined;
  const found = tags.flatMap((t) => {
    try {
      const m = models.get(metric, t);
      return m === undefined ? [] : [[t, m] as const];
    } catch {
      return []; // an unreadable old file is not carried over
    }
  });
  return found.length > 0 ? Object.fromEntries(found) : undefined;
}

/** A run id sorts by time: 20261202T160512345Z-1a2b3c4d. */
function newRunId(): string {
  return `${new Date().toISOString().replace(/[-:.]/g, "")}-${randomBytes(4).toString("hex")}`;
}

/** A newer run replaced what a read was reading: read the manifests again. */
class StaleRead extends Error {}

/** A manifest write failed and reading it back failed too: the switch may or may not have happened. */
class SwitchUnknown extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error).message);
  }
}

/** The model store's layout (runs, manifests, cleanup) over any {@link ObjectStore}. */
export class RunModelStore implements ModelStore {
  constructor(
    readonly location: string,
    private readonly objects: ObjectStore,
    /** An artifact holds at most this much JSON (before gzip); a bigger shard gets several. */
    private readonly maxArtifactJsonBytes = ARTIFACT_MAX_JSON_BYTES,
  ) {}

  async saveRun(batch: string, shard: Shard, models: ReadonlyMap<string, MetricModels>, opts: SaveRunOptions = {}): Promise<SaveRunResult> {
    checkShardArg(shard);
    const dir = batchFolder(batch);
    const where = `batch "${batch}"${shard.count > 1 ? ` shard ${shard.index + 1} of ${shard.count}` : ""}`;
    // A run holds only its shard's metrics: readers rely on it to tell which run a metric comes from.
    if (shard.count > 1) {
      for (const metric of models.keys()) {
        const own = shardOf(metric, shard.count);
        if (own !== shard.index)
          throw new StoreError(`cannot save the models of ${where}: metric "${metric}" belongs to shard ${own + 1} of ${shard.count}`);
      }
    }
    const listing = await this.attempt(`cannot list the models of ${where} in ${this.objects.describe(`${dir}/`)}`, () =>
      this.objects.list(`${dir}/`),
    );
    const manifests = manifestEntries(dir, listing);

    // Metrics this run did not train but keeps: their models come from the current runs.
    let all = models;
    const kept = [...(opts.keep ?? [])].filter((m) => !models.has(m) && (shard.count === 1 || shardOf(m, shard.count) === shard.index));
    const hasLegacy = listing.some((o) => isLegacyKey(dir, o.key));
    if (kept.length > 0 && (hasLegacy || manifests.some((e) => overlaps(e, shard)))) {
      const previous = await this.loadModels(batch, shard);
      const merged = new Map(models);
      for (const metric of kept) {
        const old = previous.modelsOf(metric) ?? legacyModelsOf(previous, metric, opts.tags ?? []);
        if (old) merged.set(metric, old);
      }
      all = merged;
    }

    const runId = newRunId();
    const written: { key: string; metrics: number; bytes: number }[] = [];
    const folder = runsFolder(dir, shard);
    try {
      let part = 0;
      for (const chunk of artifactChunks(batch, runId, all, this.maxArtifactJsonBytes)) {
        const key = `${folder}${runId}.${part++}.json.gz`;
        const body = gzipSync(chunk.json, { level: 1 });
        await this.objects.put(key, body, "application/gzip");
        written.push({ key, metrics: chunk.metrics, bytes: body.length });
      }
      const manifest: Manifest = {
        format: MANIFEST_FORMAT,
        batch,
        shard: shard.index,
        shard_count: shard.count,
        run_id: runId,
        created_at: new Date().toISOString(),
        metrics: all.size,
        artifacts: written.map((w) => ({ ...w, key: w.key.slice(dir.length + 1) })),
      };
      // The switch: from here on, readers get this run.
      await this.switchManifest(manifestKey(dir, shard), manifest);
    } catch (e) {
      // Unless the switch is known not to have happened, the artifacts stay for the orphan sweep.
      if (!(e instanceof SwitchUnknown)) for (const w of written) await this.objects.delete(w.key).catch(() => undefined);
      const why = e instanceof SwitchUnknown ? e.cause : e;
      throw new StoreError(`cannot save the models of ${where} to ${this.objects.describe(folder)}: ${(why as Error).message}`, { cause: why });
    }

    let removed = 0;
    try {
      removed = await this.cleanUp(dir, shard, listing, manifests, new Set(written.map((w) => w.key)));
    } catch (e) {
      opts.warn?.(
        `models of ${where} saved, but old ones could not all be removed from ${this.objects.describe(`${dir}/`)}: ${(e as Error).message}`,
      );
    }
    return { run_id: runId, metrics: all.size, artifacts: written.map((w) => w.key), bytes: written.reduce((n, w) => n + w.bytes, 0), removed };
  }

  /**
   * Write the manifest. A write that failed may still have landed (a timeout after the store took it):
   * the manifest is read back, and only a manifest of another run means the switch did not happen.
   */
  private async switchManifest(key: string, manifest: Manifest): Promise<void> {
    try {
      await this.objects.put(key, Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`), "application/json");
    } catch (e) {
      let landed: boolean;
      try {
        const body = await this.objects.get(key);
        landed = body !== undefined && parseManifest(body, key).run_id === manifest.run_id;
      } catch {
        throw new SwitchUnknown(e);
      }
      if (!landed) throw e;
    }
  }

  /**
   * After the switch: remove this shard's older artifacts, the manifests (and artifacts) of another shard
   * count that this count's manifests now replace, and the old per-metric files once every shard has a run.
   */
  private async cleanUp(dir: string, shard: Shard, listing: ObjectInfo[], before: ManifestEntry[], mine: ReadonlySet<string>): Promise<number> {
    const now = Date.now();
    const doomed: string[] = [];
    /** Artifacts of a shard's folder that no newer write can still need. */
    const staleArtifacts = (s: Shard, manifest: ObjectInfo | undefined) => {
      for (const o of listing) {
        if (!o.key.startsWith(runsFolder(dir, s)) || mine.has(o.key)) continue;
        if ((manifest && o.modified <= manifest.modified) || now - o.modified > ORPHAN_GRACE_MS) doomed.push(o.key);
      }
    };
    staleArtifacts(
      shard,
      before.find((e) => e.index === shard.index && e.count === shard.count),
    );

    // Another shard count's manifests are read until this count's runs hold all their metrics.
    let current = before;
    if (before.some((e) => e.count !== shard.count)) current = manifestEntries(dir, await this.objects.list(`${dir}/manifests/`));
    const sameCount = current.filter((e) => e.count === shard.count);
    const haveNow = new Set([shard.index, ...sameCount.map((e) => e.index)]);
    const retired: string[] = [];
    for (const e of current) {
      if (e.count === shard.count) continue;
      const newer = new Set([shard.index, ...sameCount.filter((c) => c.modified >= e.modified).map((c) => c.index)]);
      if (!coveredBy(e, shard.count, newer)) continue;
      retired.push(e.key);
      staleArtifacts(e, e);
    }
    // Old per-metric files (read only for metrics no run covers) go once every shard of this count has a run.
    if (coveredBy(WHOLE_BATCH, shard.count, haveNow)) {
      for (const o of listing) if (isLegacyKey(dir, o.key)) doomed.push(o.key);
    }
    // Manifests first, so no reader is sent to an artifact that is gone.
    for (const key of retired) await this.objects.delete(key);
    for (const key of doomed) await this.objects.delete(key);
    return retired.length + doomed.length;
  }

  async loadModels(batch: string, shard: Shard = WHOLE_BATCH): Promise<BatchModels> {
    checkShardArg(shard);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.readOnce(batch, shard);
      } catch (e) {
        if (!(e instanceof StaleRead)) throw e;
        if (attempt >= LOAD_ATTEMPTS) throw new StoreError(`${e.message} (tried ${LOAD_ATTEMPTS} times: is a training run replacing it right now?)`);
      }
    }
  }

  private async readOnce(batch: string, shard: Shard): Promise<BatchModels> {
    const dir = batchFolder(batch);
    const what = `the models of batch "${batch}"`;
    const entries = manifestEntries(
      dir,
      await this.attempt(`cannot list ${what} in ${this.objects.describe(`${dir}/manifests/`)}`, () => this.objects.list(`${dir}/manifests/`)),
    ).filter((e) => overlaps(e, shard));
    // The reads of one step go out together (a sharded batch has a manifest and an artifact per shard).
    const manifests = await Promise.all(
      entries.map(async (e) => {
        const body = await this.attempt(`cannot read ${this.objects.describe(e.key)}`, () => this.objects.get(e.key));
        if (!body) throw new StaleRead(`${this.objects.describe(e.key)} was removed while it was read`);
        return parseManifest(body, this.objects.describe(e.key));
      }),
    );
    // Newest first: a metric's models come from the newest run whose shard holds it.
    manifests.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
    const bodies = await Promise.all(
      manifests.map((m) =>
        Promise.all(
          m.artifacts.map(async (a) => {
            const key = `${dir}/${a.key}`;
            const body = await this.attempt(`cannot read ${this.objects.describe(key)}`, () => this.objects.get(key));
            if (!body) throw new StaleRead(`${this.objects.describe(key)} (named by run ${m.run_id}) was removed while it was read`);
            return { body, where: this.objects.describe(key) };
          }),
        ),
      ),
    );
    const byMetric = new Map<string, MetricModels>();
    const newer: Shard[] = [];
    manifests.forEach((m, i) => {
      const others = newer.filter((s) => s.count !== m.shard_count);
      for (const { body, where } of bodies[i]) {
        for (const [metric, tags] of Object.entries(parseArtifact(body, where))) {
          // (a metric outside its run's shard is not that run's to give)
          if (m.shard_count > 1 && shardOf(metric, m.shard_count) !== m.shard) continue;
          if (others.some((s) => shardOf(metric, s.count) === s.index)) continue;
          byMetric.set(metric, tags);
        }
      }
      newer.push({ index: m.shard, count: m.shard_count });
    });
    const covered = (metric: string) => newer.some((s) => shardOf(metric, s.count) === s.index);
    const legacy = await this.legacyFiles(dir, shard, newer);
    return {
      get: (metric, tag) => {
        const own = byMetric.get(metric);
        if (own) return own[tag];
        if (!legacy || covered(metric)) return undefined;
        return this.readLegacy(legacy, legacyModelPath(batch, metric, tag));
      },
      modelsOf: (metric) => byMetric.get(metric),
      metrics: byMetric.size,
      runs: manifests.map((m) => m.run_id),
      legacy: legacy !== undefined,
    };
  }

  /** The old per-metric files of a batch, when its runs do not cover `shard` yet (local folders only: remote stores never had them). */
  private async legacyFiles(dir: string, shard: Shard, runs: Shard[]): Promise<Set<string> | undefined> {
    if (!this.objects.getSync) return undefined;
    const counts = new Set(runs.map((r) => r.count));
    for (const c of counts) {
      if (coveredBy(shard, c, new Set(runs.filter((r) => r.count === c).map((r) => r.index)))) return undefined;
    }
    const files = (await this.objects.list(`${dir}/`)).map((o) => o.key).filter((k) => isLegacyKey(dir, k));
    return files.length > 0 ? new Set(files) : undefined;
  }

  private readLegacy(files: ReadonlySet<string>, key: string): unknown | undefined {
    if (!files.has(key)) return undefined;
    const body = this.objects.getSync!(key);
    if (!body) return undefined;
    try {
      return JSON.parse(body.toString("utf8"));
    } catch (e) {
      throw new StoreError(`model ${this.objects.describe(key)} is not valid JSON: ${(e as Error).message}`);
    }
  }

  /** Run a store operation; a failure becomes a StoreError that says what was being done. */
  private async attempt<T>(doing: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw new StoreError(`${doing}: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** The artifacts' JSON texts: every metric × tag of a run, cut into pieces of at most `maxBytes` (one metric is never cut). */
function* artifactChunks(
  batch: string,
  runId: string,
  models: ReadonlyMap<string, MetricModels>,
  maxBytes: number,
): Generator<{ json: string; metrics: number }> {
  const head = `{"format":${JSON.stringify(ARTIFACT_FORMAT)},"batch":${JSON.stringify(batch)},"run_id":${JSON.stringify(runId)},"models":{`;
  let pieces: string[] = [];
  let size = 0;
  for (const [metric, tags] of models) {
    const piece = `${JSON.stringify(metric)}:${JSON.stringify(tags)}`;
    if (pieces.length > 0 && size + piece.length > maxBytes) {
      yield { json: `${head}${pieces.join(",")}}}`, metrics: pieces.length };
      pieces = [];
      size = 0;
    }
    pieces.push(piece);
    size += piece.length + 1;
  }
  if (pieces.length > 0) yield { json: `${head}${pieces.join(",")}}}`, metrics: pieces.length };
}

function parseManifest(body: Buffer, where: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new StoreError(`model manifest ${where} is not valid JSON: ${(e as Error).message}; retrain the batch to replace it`);
  }
  if (m?.format !== MANIFEST_FORMAT || !Array.isArray(m.artifacts) || typeof m.run_id !== "string") {
    throw new StoreError(`model manifest ${where} is not an ${MANIFEST_FORMAT} manifest; retrain the batch to replace it`);
  }
  return m;
}

function parseArtifact(body: Buffer, where: string): Record<string, MetricModels> {
  let doc: { format?: string; models?: Record<string, MetricModels> };
  try {
    doc = JSON.parse(gunzipSync(body).toString("utf8"));
  } catch (e) {
    throw new StoreError(`model artifact ${where} is not gzip JSON: ${(e as Error).message}; retrain the batch to replace it`);
  }
  if (doc?.format !== ARTIFACT_FORMAT || typeof doc.models !== "object" || doc.models === null) {
    throw new StoreError(`model artifact ${where} is not an ${ARTIFACT_FORMAT} artifact; retrain the batch to replace it`);
  }
  return doc.models;
}

/** The object stores of the remote schemes, loaded on first use (a local batch never loads their SDKs). */
class LazyObjectStore implements ObjectStore {
  private inner?: Promise<ObjectStore>;
  constructor(
    private readonly url: string,
    private readonly open: () => Promise<ObjectStore>,
  ) {}
  private get store(): Promise<ObjectStore> {
    this.inner ??= this.open();
    return this.inner;
  }
  describe(key: string): string {
    return `${this.url}/${key}`;
  }
  async list(prefix: string) {
    return (await this.store).list(prefix);
  }
  async get(key: string) {
    return (await this.store).get(key);
  }
  async put(key: string, body: Buffer, contentType: string) {
    return (await this.store).put(key, body, contentType);
  }
  async delete(key: string) {
    return (await this.store).delete(key);
  }
}

/**
 * Open the model store a `model_path` setting names. `env` holds the credentials and endpoints of the
 * remote schemes (process.env overlaid with the settings resource on Windmill).
 */
export function openModelStore(modelPath: string, where = "model_path", env: Env = process.env): ModelStore {
  const parsed = parseModelPath(modelPath);
  if ("problem" in parsed) throw new StoreError(`${where}: ${parsed.problem}`);
  if (parsed.scheme === "local") {
    const dir = path.resolve(parsed.dir);
    return new RunModelStore(dir, new FolderObjectStore(dir));
  }
  const url = `${parsed.scheme}://${parsed.bucket}${parsed.prefix ? `/${parsed.prefix}` : ""}`;
  const { bucket, prefix } = parsed;
  const objects =
    parsed.scheme === "s3"
      ? new LazyObjectStore(url, async () => {
          quietAwsNotice();
          return (await import("./model-objects-s3.ts")).openS3Objects(bucket, prefix, env);
        })
      : new LazyObjectStore(url, async () => (await import("./model-objects-gcs.ts")).openGcsObjects(bucket, prefix, env));
  return new RunModelStore(url, objects);
}
