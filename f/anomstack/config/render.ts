// Jinja-style templating of batch configs with nunjucks: includes resolve from the metrics folder,
// the context is the whole config plus extras (Dates become 'YYYY-MM-DD HH:MM:SS' UTC), SQL filters.
//nobundling
import path from "node:path";
import nunjucks from "nunjucks";
import { sourceFor, type MetricsSource } from "./source.ts";
import { TemplateError } from "./errors.ts";
import type { BatchConfig } from "./schema.ts";
import { sqlIdent, sqlList, sqlStr } from "./sql-filters.ts";
import { dialectOfDb, type DialectName } from "./sql-dialect.ts";
import { secondTimestamp } from "../core/time.ts";

export { TemplateError } from "./errors.ts";

/**
 * Loader rooted at the metrics folder, resolving every name from that root like Jinja does:
 * `./defaults/sql/train.sql`, `defaults/sql/train.sql` and includes inside included files all
 * resolve from the root; paths may not leave it. Sources are re-read on every render.
 */
class MetricsDirLoader implements nunjucks.ILoader {
  /** Set once the environment exists; used to compile-check sources (see getSource). */
  env?: nunjucks.Environment;

  private readonly source: MetricsSource;

  constructor(private readonly root: string) {
    this.source = sourceFor(root);
  }

  getSource(name: string): nunjucks.LoaderSource {
    const full = path.resolve(this.root, name.replace(/^\/+/, ""));
    const rel = path.relative(this.root, full);
    if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
      throw new Error(`template "${name}" is outside the metrics folder ${this.root}`);
    }
    if (this.source.kind(full) !== "file") {
      throw new Error(`template not found: "${name}" (looked for ${full})`);
    }
    const src = this.source.read(full);
    // nunjucks reports syntax errors of included templates asynchronously (an uncatchable throw
    // after the synchronous render returned), so compile here and fail synchronously instead; the
    // compiled template is handed to nunjucks, which would otherwise compile the source again.
    if (!this.env) return { src, path: full, noCache: true };
    return { src: { type: "code", obj: compiled(src, this.env, full) }, path: full, noCache: true } as unknown as nunjucks.LoaderSource;
  }
}

/** What nunjucks compiles a template into (its `root` render function and `b_<name>` blocks). */
type CompiledTemplate = Record<string, unknown>;

/**
 * Compiled templates by path and source text, shared by every environment of the process: the same
 * source compiles to the same functions (they receive the environment and context when called), and
 * compiling the default templates was most of a render (a sharded job renders one per shard).
 * Sources are still read on every render, so an edited file is compiled afresh.
 */
const compiledCache = new Map<string, CompiledTemplate>();
const COMPILED_CACHE_MAX = 256;

function compiled(src: string, env: nunjucks.Environment, file: string | undefined): CompiledTemplate {
  const key = `${file ?? ""}\0${src}`;
  let props = compiledCache.get(key);
  if (!props) {
    // nunjucks' own eager compile, with its errors; then the functions it made.
    const t = new nunjucks.Template(src, env, file, true) as unknown as { rootRenderFunc: unknown; blocks: Record<string, unknown> };
    props = { root: t.rootRenderFunc };
    for (const [name, block] of Object.entries(t.blocks)) props[`b_${name}`] = block;
    if (compiledCache.size >= COMPILED_CACHE_MAX) compiledCache.clear();
    compiledCache.set(key, props);
  }
  return props;
}

function makeEnvironment(metricsDir: string, dialect: DialectName): nunjucks.Environment {
  const loader = new MetricsDirLoader(metricsDir);
  const env = new nunjucks.Environment(loader, {
    autoescape: false,
    // A name the context lacks (a typo, a key the batch does not set) fails with its name, not as empty SQL.
    throwOnUndefined: true,
    trimBlocks: false,
    lstripBlocks: false,
  });
  // The filters quote for the batch's database: users' ingest_sql is written in its dialect.
  env.addFilter("sql_str", (v: unknown) => sqlStr(v, dialect));
  env.addFilter("sql_list", (v: unknown) => sqlList(v, dialect));
  env.addFilter("sql_ident", (v: unknown) => sqlIdent(v, dialect));
  loader.env = env;
  return env;
}

function buildContext(cfg: BatchConfig, extra: Record<string, unknown>): Record<string, unknown> {
  // `sql_dialect` lets the default macros branch where the SQL differs (motherduck → duckdb).
  const ctx: Record<string, unknown> = { ...cfg, sql_dialect: dialectOfDb(cfg.db) };
  for (const [k, v] of Object.entries(extra)) ctx[k] = v instanceof Date ? secondTimestamp(v) : v;
  return ctx;
}

/**
 * Turns nunjucks' nested "(path) [Line x, Column y]\n  Template render error: ..." text into one line:
 * the innermost message plus where it happened (file relative to the metrics folder, line, column).
 */
function describeNunjucksError(
  err: unknown,
  metricsDir: string,
  template: string,
  known: ReadonlySet<string>,
): { message: string; lineno?: number; colno?: number } {
  const raw = err instanceof Error ? err.message : String(err);
  let where: string | undefined;
  let lineno: number | undefined;
  let colno: number | undefined;
  const text: string[] = [];
  for (let line of raw.split("\n")) {
    line = line.trim().replace(/^(Template render error: )+/, "");
    const loc = /^\(([^()]*)\)(?: \[Line (\d+), Column (\d+)\])?$/.exec(line);
    if (loc) {
      if (loc[1] !== "unknown path") where = path.relative(metricsDir, loc[1]);
      else where = undefined;
      if (loc[2]) [lineno, colno] = [Number(loc[2]), Number(loc[3])];
      else [lineno, colno] = [undefined, undefined];
    } else if (line !== "") {
      text.push(line.replace(/^Error: /, ""));
    }
  }
  const pos = [where ? `in ${where}` : "", lineno !== undefined ? `line ${lineno}, column ${colno}` : ""].filter((p) => p !== "");
  let detail = text.join(" ") || raw;
  if (/attempted to output null or undefined value/.test(detail) && lineno !== undefined) {
    // nunjucks does not say which name: read the `{{ ... }}` at the error's position
    const source = where ? sourceFor(metricsDir).read(path.join(metricsDir, where)) : template;
    const expr = outputAt(source, lineno, colno ?? 0);
    if (expr) detail = `\`${expr}\` is not set (neither the batch config nor the job gives it) or null`;
  }
  if (/\(is the variable defined\?\)/.test(detail)) {
    // a filter got an undefined value (nunjucks gives no position): name what the template uses and nothing defines
    const unknown = undefinedNames(template, known);
    if (unknown.length)
      detail = `${detail.replace(" (is the variable defined?)", "")}: ${unknown.map((n) => `\`${n}\``).join(", ")} is not set (neither the batch config nor the job gives it)`;
  }
  const message = detail + (pos.length > 0 ? ` (${pos.join(", ")})` : "");
  return { message, lineno, colno };
}

/** Names a template reads in `{{ ... }}` that neither the context nor the template itself (set, for, macro) defines. */
function undefinedNames(template: string, known: ReadonlySet<string>): string[] {
  const defined = new Set([...template.matchAll(/\{%-?\s*(?:set|for|macro)\s+([A-Za-z_]\w*)/g)].map((m) => m[1]));
  const used = [...template.matchAll(/\{\{-?\s*([A-Za-z_]\w*)/g)].map((m) => m[1]);
  return [...new Set(used)].filter((n) => !known.has(n) && !defined.has(n) && !["loop", "true", "false", "none"].includes(n));
}

/** The expression of the `{{ ... }}` output around 1-based line `lineno`, 0-based column `colno`. */
function outputAt(source: string, lineno: number, colno: number): string | undefined {
  const lines = source.split("\n");
  const at = lines.slice(0, lineno - 1).reduce((n, l) => n + l.length + 1, 0) + colno;
  const open = source.lastIndexOf("{{", at + 2);
  const close = source.indexOf("}}", open);
  if (open < 0 || close < 0) return undefined;
  return source
    .slice(open + 2, close)
    .replace(/^-|-$/g, "")
    .trim();
}

/**
 * Renders `template` with the whole config plus `extra` as context (extra wins; Date values such as
 * `now` are passed as 'YYYY-MM-DD HH:MM:SS' UTC strings). `label` names the template in errors.
 * @throws TemplateError naming batch, label and the nunjucks message (with line/column when known).
 */
export function renderString(cfg: BatchConfig, template: string, extra: Record<string, unknown> = {}, label = "template"): string {
  const env = makeEnvironment(cfg.metrics_dir, dialectOfDb(cfg.db));
  const context = buildContext(cfg, extra);
  try {
    const compiledTemplate = new nunjucks.Template({ type: "code", obj: compiled(template, env, undefined) } as unknown as string, env);
    return compiledTemplate.render(context);
  } catch (err) {
    const { message, lineno, colno } = describeNunjucksError(err, cfg.metrics_dir, template, new Set(Object.keys(context)));
    throw new TemplateError(cfg.metric_batch, label, message, lineno, colno);
  }
}

/**
 * Renders the template stored under config key `key` (e.g. "train_sql", "ingest_sql").
 * @throws TemplateError if the key is not a string in the config or rendering fails.
 */
export function renderTemplate(cfg: BatchConfig, key: string, extra: Record<string, unknown> = {}): string {
  const source = (cfg as Record<string, unknown>)[key];
  if (typeof source !== "string") {
    const what = source === undefined ? "is not set" : `is not a template string (got ${typeof source})`;
    throw new TemplateError(cfg.metric_batch, key, `config key ${what}`);
  }
  return renderString(cfg, source, extra, key);
}
