// Reads the shape of the batch-config zod schema at runtime: which keys exist at a path and what
// kind of value a key holds. Used to type env overrides and to suggest names for unknown keys.
//nobundling
import type { z } from "zod";
import { BatchConfigSchema } from "./schema.ts";

/** The broad kind of value a schema accepts, as far as env conversion cares. */
export type ValueKind = "boolean" | "number" | "string" | "enum" | "object" | "array" | "record" | "other";

interface LooseDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  entries?: Record<string, string>;
}

function defOf(schema: z.ZodType): LooseDef {
  return (schema as unknown as { _zod: { def: LooseDef } })._zod.def;
}

/** Strips optional/nullable/default/pipe wrappers. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(current);
    if (def.innerType) current = def.innerType;
    else if (def.type === "pipe" && def.in) current = def.in;
    else break;
  }
  return current;
}

/** The (unwrapped) schema at `path` inside the batch config schema, or undefined if there is none. */
export function schemaAt(path: readonly PropertyKey[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = unwrap(BatchConfigSchema);
  for (const seg of path) {
    if (!current) return undefined;
    const def = defOf(current);
    let next: z.ZodType | undefined;
    if (def.type === "object") next = def.shape?.[String(seg)];
    else if (def.type === "array") next = def.element;
    else if (def.type === "record") next = def.valueType;
    current = next ? unwrap(next) : undefined;
  }
  return current;
}

/** Kind of value accepted at `path` (undefined if the path is unknown). */
export function kindAt(path: readonly PropertyKey[]): ValueKind | undefined {
  const schema = schemaAt(path);
  if (!schema) return undefined;
  const type = defOf(schema).type;
  switch (type) {
    case "boolean":
    case "number":
    case "string":
    case "enum":
    case "object":
    case "array":
    case "record":
      return type;
    default:
      return "other";
  }
}

/** True if the value at `path` may be absent (optional keys). */
export function isOptionalAt(path: readonly PropertyKey[]): boolean {
  if (path.length === 0) return false;
  const parent = schemaAt(path.slice(0, -1));
  if (!parent) return false;
  const def = defOf(parent);
  const child = def.type === "object" ? def.shape?.[String(path[path.length - 1])] : undefined;
  return child !== undefined && defOf(child).type === "optional";
}

/** Keys of the object schema at `path` (empty if it is not an object). */
export function keysAt(path: readonly PropertyKey[]): string[] {
  const schema = schemaAt(path);
  if (!schema) return [];
  const def = defOf(schema);
  return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

/** True if the value at `path` must be an integer. */
export function isIntegerAt(path: readonly PropertyKey[]): boolean {
  const schema = schemaAt(path);
  return (schema as { isInt?: boolean } | undefined)?.isInt === true;
}
