// YAML as the Windmill CLI writes it (keys in its priority order, then alphabetical; single quotes),
// so generated files look like what `wmill sync pull` would produce, and are byte-stable.
import { stringify } from "yaml";

/** The CLI's key priority (windmill-cli `prioritizeName`): these keys come first, in this order. */
function priority(name: string): string {
  const first: Record<string, string> = {
    version: "aaa",
    id: "aa",
    type: "ab",
    summary: "ad",
    name: "ae",
    display_name: "af",
    description: "ag",
    value: "ah",
    content: "ai",
    modules: "aj",
    failure_module: "ak",
    input_transforms: "al",
    lock: "az",
    locks: "azz",
  };
  return first[name] ?? name;
}

/** Serialise like the Windmill CLI: sorted keys (priority first), single quotes, no anchors. */
export function toWindmillYaml(value: unknown): string {
  return stringify(value, {
    sortMapEntries: (a, b) => priority(String(a.key)).localeCompare(priority(String(b.key))),
    aliasDuplicateObjects: false,
    singleQuote: true,
    lineWidth: 0,
  });
}
