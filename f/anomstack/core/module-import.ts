// Importing a batch's own module by path (ingest_fn, preprocess_fn). A runtime that cannot import
// TypeScript by itself (the precompiled CLI under Node) registers a loader first; Bun needs none.
//nobundling
import { pathToFileURL } from "node:url";

let prepareTypeScript: (() => Promise<void>) | undefined;

/** Run `prepare` once before the first TypeScript module is imported through {@link importFile}. */
export function beforeImportingTypeScript(prepare: () => Promise<void>): void {
  prepareTypeScript = prepare;
}

/** `import()` of a file path, with the TypeScript loader prepared when the file is TypeScript. */
export async function importFile(file: string): Promise<Record<string, unknown>> {
  if (prepareTypeScript && /\.[cm]?tsx?$/.test(file)) await prepareTypeScript();
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}
