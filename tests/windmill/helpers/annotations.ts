// Windmill's annotations of a TypeScript script (`//nobundling`, `//nodejs`, `//native`, `//npm`), read the
// way the server and worker read them (windmill-macros `annotations`; /work/notes/windmill-facts.md §1.4).

/**
 * The annotations of a TypeScript script as Windmill's parser reads them (windmill-macros `annotations`,
 * §1.4): lines from the first one while they start with `//` (no leading whitespace allowed); each
 * one's text after `//`, trimmed, up to a `=`, is a key.
 */
export function tsAnnotations(code: string): Set<string> {
  const keys = new Set<string>();
  for (const line of code.split("\n")) {
    if (!line.startsWith("//")) break;
    keys.add(line.slice(2).trim().split("=")[0]);
  }
  return keys;
}
