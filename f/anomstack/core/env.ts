// The environment every layer reads settings from: process.env locally, or the Windmill settings
// resource turned into the same shape (config/settings-resource.ts).
//nobundling

/** Environment variables by name; unset ones are undefined. */
export type Env = Record<string, string | undefined>;
