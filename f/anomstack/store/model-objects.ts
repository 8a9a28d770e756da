// The few object operations the model store needs (list, get, put, delete under one root), and their
// local-folder implementation; s3:// and gs:// implement the same in model-objects-s3.ts / -gcs.ts.
//nobundling
import fs from "node:fs";
import path from "node:path";
import type { Env } from "../core/env.ts";
import { StoreError } from "./metrics-store.ts";

/** How long one request to a remote model store may take: ANOMSTACK_MODEL_STORE_TIMEOUT_SECONDS (default 120). */
export function modelStoreTimeoutMs(env: Env): number {
  const raw = env.ANOMSTACK_MODEL_STORE_TIMEOUT_SECONDS;
  if (raw === undefined || raw === "") return 120_000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new StoreError(`ANOMSTACK_MODEL_STORE_TIMEOUT_SECONDS must be a positive number of seconds, got "${raw}"`);
  }
  return seconds * 1000;
}

/** One stored object as a listing shows it. */
export interface ObjectInfo {
  /** Relative to the store's root, `/`-separated. */
  key: string;
  /** Last modification, in ms since the epoch. */
  modified: number;
}

/** Objects under one root (a folder, a bucket + prefix). Keys are `/`-separated and relative to it. */
export interface ObjectStore {
  /** Where a key lives, for messages (a path, an s3:// or gs:// URL). */
  describe(key: string): string;
  /** Every object whose key starts with `prefix` (all pages). */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** The object's bytes, or undefined when there is none. */
  get(key: string): Promise<Buffer | undefined>;
  /** Write (or replace) an object in one step: readers see the old bytes or the new ones, never part. */
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** Remove an object; one that is already gone is fine. */
  delete(key: string): Promise<void>;
  /** Synchronous read, where the store can (a local folder): old per-metric model files are read with it. */
  getSync?(key: string): Buffer | undefined;
}

/** A local folder: put writes a temporary file and renames it, so a crash never leaves half an object. */
export class FolderObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  describe(key: string): string {
    return path.join(this.root, ...key.split("/"));
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    // The folder part of the prefix is walked; the rest filters names.
    const slash = prefix.lastIndexOf("/");
    const base = slash < 0 ? "" : prefix.slice(0, slash + 1);
    const start = this.describe(base);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(start, { recursive: true, withFileTypes: true }) as fs.Dirent[];
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return [];
      throw e;
    }
    const out: ObjectInfo[] = [];
    for (const d of entries) {
      if (!d.isFile() || d.name.endsWith(".tmp")) continue;
      const full = path.join(d.parentPath, d.name);
      const key = base + path.relative(start, full).split(path.sep).join("/");
      if (!key.startsWith(prefix)) continue;
      try {
        out.push({ key, modified: fs.statSync(full).mtimeMs });
      } catch {
        // removed since the folder was read
      }
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async get(key: string): Promise<Buffer | undefined> {
    return this.getSync(key);
  }

  getSync(key: string): Buffer | undefined {
    try {
      return fs.readFileSync(this.describe(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  async put(key: string, body: Buffer, _contentType?: string): Promise<void> {
    const file = this.describe(key);
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(tmp, body);
      fs.renameSync(tmp, file);
    } catch (e) {
      try {
        fs.rmSync(tmp, { force: true }); // a failed rename must not leave the temporary file behind
      } catch {
        // the folder itself could not be made: there is no temporary file
      }
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.describe(key);
    fs.rmSync(file, { force: true });
    // Empty folders left by removed runs go too (up to the root).
    let dir = path.dirname(file);
    while (dir.startsWith(this.root) && dir !== this.root) {
      try {
        fs.rmdirSync(dir);
      } catch {
        break; // not empty (or already gone)
      }
      dir = path.dirname(dir);
    }
  }
}
