// Windmill paths of generated items. A batch name becomes one path segment: letters, digits, `_`
// and `-` stay, anything else becomes `_`; two batches mapping to one segment is an error naming both.

/** The folder every generated item lives in. */
export const FOLDER = "f/anomstack";

/** A batch name as a Windmill path segment. @example batchSegment("sales.eu v2") // => "sales_eu_v2" */
export function batchSegment(batch: string): string {
  const seg = batch.replace(/[^A-Za-z0-9_-]/g, "_");
  return seg === "" ? "_" : seg;
}

/** Map every batch to its segment, rejecting collisions with a message naming the batches. */
export function batchSegments(batches: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const owner = new Map<string, string>();
  for (const b of [...batches].sort()) {
    const seg = batchSegment(b);
    const other = owner.get(seg);
    if (other !== undefined) {
      throw new Error(`batches "${other}" and "${b}" both become the Windmill path segment "${seg}"; rename one of them`);
    }
    owner.set(seg, b);
    out.set(b, seg);
  }
  return out;
}

/** Folder (repo-relative) of a batch's generated flows, schedules and triggers. */
export function batchDir(segment: string): string {
  return `${FOLDER}/batches/${segment}`;
}
