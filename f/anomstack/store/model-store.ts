// Trained models as JSON files under `model_path` (`local://DIR` → DIR/<batch>/<metric>_<tag>.json).
// Remote schemes (gs://, s3://) are recognised and refused with a clear message until they are built.
//nobundling
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { StoreError } from "./metrics-store.ts";

/** Reads and writes one JSON document per (batch, metric, model tag). */
export interface ModelStore {
  readonly location: string;
  save(batch: string, metric: string, tag: string, model: unknown): Promise<void>;
  /** The parsed JSON, or `undefined` when no model was saved for this key. */
  load(batch: string, metric: string, tag: string): Promise<unknown | undefined>;
}

/**
 * A batch, metric or tag name becomes a path segment: letters, digits, `.`, `-` and `_` stay, every
 * other byte is percent-encoded (as is a leading dot), so `cpu/user` and `cpu_user` never share a file.
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

/**
 * Where a model lives inside the store: `<batch>/<metric>_<tag>.json`. A name too long for a file
 * name (a 300-character metric, 30 Chinese characters percent-encoded) keeps its start and gets a hash
 * of the whole name, so any name the metrics table accepts trains and scores.
 */
export function modelRelativePath(batch: string, metric: string, tag: string): string {
  const tail = `_${safePathSegment(tag)}.json`;
  return `${fitSegment(safePathSegment(batch), batch, MAX_NAME_BYTES)}/${fitSegment(safePathSegment(metric), metric, MAX_NAME_BYTES - tail.length)}${tail}`;
}

/** Open the model store a `model_path` setting names. */
export function openModelStore(modelPath: string, where = "model_path"): ModelStore {
  const m = /^([a-z0-9]+):\/\/(.*)$/i.exec(modelPath);
  if (!m) throw new StoreError(`${where}: "${modelPath}" must look like local://DIR`);
  const [, scheme, rest] = m;
  if (scheme.toLowerCase() === "local") {
    if (!rest) throw new StoreError(`${where}: "${modelPath}" names no folder`);
    return new LocalModelStore(path.resolve(rest));
  }
  throw new StoreError(`${where}: scheme "${scheme}://" is not supported yet (supported: local://DIR); got "${modelPath}"`);
}

class LocalModelStore implements ModelStore {
  constructor(readonly location: string) {}

  private file(batch: string, metric: string, tag: string): string {
    return path.join(this.location, modelRelativePath(batch, metric, tag));
  }

  async save(batch: string, metric: string, tag: string, model: unknown): Promise<void> {
    const file = this.file(batch, metric, tag);
    // Write then rename, so a crash never leaves a half-written model behind.
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(tmp, JSON.stringify(model));
      fs.renameSync(tmp, file);
    } catch (e) {
      try {
        fs.rmSync(tmp, { force: true }); // a failed rename must not leave the temporary file behind
      } catch {
        // the folder itself could not be made: there is no temporary file
      }
      throw new StoreError(`cannot save model ${file}: ${(e as Error).message}`);
    }
  }

  async load(batch: string, metric: string, tag: string): Promise<unknown | undefined> {
    const file = this.file(batch, metric, tag);
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new StoreError(`cannot read model ${file}: ${(e as Error).message}`);
    }
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new StoreError(`model ${file} is not valid JSON: ${(e as Error).message}`);
    }
  }
}
