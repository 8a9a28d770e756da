// A local stand-in for the BigQuery REST API (v2) as @google-cloud/bigquery 8 calls it: datasets.get /
// insert, jobs.query (POST /queries), jobs.insert (POST /jobs), jobs.get, jobs.getQueryResults (GET
// /queries/{id}, paged), with sessions for multi-statement transactions. The SQL runs on an in-memory
// DuckDB after the translation GoogleSQL needs (backquoted names, "..." strings with \ escapes, a few
// type and function names); every request is recorded so tests can assert what the client sent.
// Auth: the client is given a fixed OAuth access token; any other Authorization is a 401.
import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { duckIdent, duckString, memoryDuckdb, runOn, tokenize, type Result } from "./duckdb-sql.ts";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown> | undefined;
  authorization: string | undefined;
  /** `gzip` when the client compressed the body. */
  contentEncoding: string | undefined;
}

interface StoredJob {
  id: string;
  result: Result;
  statementType: string;
  sessionId?: string;
}

/** GoogleSQL names DuckDB spells differently, or lacks (as macros created in every project). */
const TYPE_NAMES: Record<string, string> = { FLOAT64: "DOUBLE", INT64: "BIGINT", BOOL: "BOOLEAN", BYTES: "BLOB", NUMERIC: "DECIMAL(38,9)" };
const MACROS = [
  `CREATE MACRO main.bq_timestamp(x) AS CAST(x AS TIMESTAMP)`,
  `CREATE MACRO main.rand() AS random()`,
  `CREATE MACRO main.timestamp_sub(t, i) AS t - i`,
  `CREATE MACRO main.timestamp_add(t, i) AS t + i`,
  `CREATE MACRO main.unix_seconds(t) AS CAST(epoch(t) AS BIGINT)`,
  `CREATE MACRO main.unix_millis(t) AS epoch_ms(t)`,
  `CREATE SCHEMA IF NOT EXISTS safe`,
  `CREATE MACRO safe.ln(x) AS CASE WHEN x > 0 THEN ln(x) END`,
];

/**
 * SQL that DuckDB runs but BigQuery refuses: the stand-in refuses it too, so a test cannot pass on
 * DuckDB-isms. Checked outside strings and quoted names.
 */
const NOT_GOOGLE_SQL: [RegExp, string][] = [
  [/::/, 'Syntax error: Unexpected ":" (GoogleSQL has no :: casts; use CAST(x AS type))'],
  [/\b(VARCHAR|TEXT|DOUBLE|REAL)\b/i, "Type not found (GoogleSQL types are STRING, INT64, FLOAT64, ...)"],
  [/\bON\s+CONFLICT\b/i, "Syntax error: ON CONFLICT is not supported"],
  [/\bFILTER\s*\(\s*WHERE\b/i, "Syntax error: FILTER (WHERE ...) is not supported; use COUNTIF or IF inside the aggregate"],
  [/\b(ANTI|SEMI)\s+JOIN\b/i, "Syntax error: ANTI / SEMI JOIN are not supported"],
  [/\bEPOCH(_MS)?\s*\(/i, "Function not found: epoch"],
];

/** GoogleSQL → DuckDB SQL. Throws BigQuery's message for "'a''b'" (adjacent literals) and for non-GoogleSQL constructs. */
export function translateGoogleSql(sql: string): string {
  const tokens = tokenize(sql, { backslash: true, doubling: false });
  for (const t of tokens) {
    if (t.kind !== "text") continue;
    const text = t.text.replace(/--[^\n]*/g, "");
    for (const [re, message] of NOT_GOOGLE_SQL) if (re.test(text)) throw new BigqueryError(400, "invalidQuery", message);
    if (/\binterval\s*$/i.test(text) && tokens[tokens.indexOf(t) + 1]?.kind === "single") {
      throw new BigqueryError(400, "invalidQuery", "Syntax error: INTERVAL literals are INTERVAL n DAY, not INTERVAL 'n day'");
    }
  }
  let out = "";
  tokens.forEach((t, i) => {
    if ((t.kind === "single" || t.kind === "double") && (tokens[i + 1]?.kind === "single" || tokens[i + 1]?.kind === "double")) {
      throw new BigqueryError(400, "invalidQuery", "Syntax error: concatenated string literals must be separated by whitespace or comments");
    }
    if (t.kind === "single" || t.kind === "double") out += duckString(t.text);
    else if (t.kind === "backtick") out += t.text.split(".").map(duckIdent).join(".");
    else {
      out += t.text
        .replace(/\b(FLOAT64|INT64|BOOL|BYTES|NUMERIC)\b/gi, (w) => TYPE_NAMES[w.toUpperCase()])
        .replace(/\btimestamp(\s*\()/gi, "bq_timestamp$1")
        .replace(/^(\s*)MERGE\s+(?!INTO\b)/i, "$1MERGE INTO ")
        .replace(/\)\s*PARTITION\s+BY[\s\S]*$/i, ")");
    }
  });
  return out;
}

export class BigqueryError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The stand-in server. `start()` gives the `apiEndpoint` to hand to the client. */
export class BigqueryStandin {
  readonly requests: RecordedRequest[] = [];
  private server?: http.Server;
  private db?: DuckDBInstance;
  private shared?: DuckDBConnection;
  private readonly sessions = new Map<string, DuckDBConnection>();
  private readonly jobs = new Map<string, StoredJob>();
  private seq = 0;
  /** Rows per result page (BigQuery pages by size; small here so tests see paging). */
  pageRows = 2000;

  constructor(
    readonly projectId: string,
    readonly token: string,
  ) {}

  async start(): Promise<string> {
    this.db = await memoryDuckdb();
    const setup = await this.db.connect();
    await setup.run(`ATTACH ':memory:' AS ${duckIdent(this.projectId)}`);
    await setup.run(`USE ${duckIdent(this.projectId)}`);
    for (const m of MACROS) await setup.run(m);
    setup.closeSync();
    this.shared = await this.connection();
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const c of this.sessions.values()) c.closeSync();
    this.shared?.closeSync();
    this.db?.closeSync();
  }

  /** A dataset, as `bq mk` would make it. */
  async createDataset(name: string): Promise<void> {
    await this.shared?.run(`CREATE SCHEMA IF NOT EXISTS ${duckIdent(this.projectId)}.${duckIdent(name)}`);
  }

  /** Run SQL directly (test set-up and checks), in DuckDB's dialect. */
  async sql(sql: string): Promise<Result> {
    if (!this.shared) throw new Error("not started");
    return runOn(this.shared, sql, []);
  }

  /** The requests whose path ends with `suffix` (e.g. "/queries"). */
  calls(method: string, suffix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.endsWith(suffix));
  }

  private async connection(): Promise<DuckDBConnection> {
    if (!this.db) throw new Error("not started");
    const con = await this.db.connect();
    await con.run(`USE ${duckIdent(this.projectId)}`);
    return con;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://standin");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let raw = Buffer.concat(chunks);
    // The client gzips request bodies under Bun (not under Node); BigQuery accepts both.
    if (req.headers["content-encoding"] === "gzip") raw = zlib.gunzipSync(raw);
    const body = raw.length ? (JSON.parse(raw.toString("utf8")) as Record<string, unknown>) : undefined;
    this.requests.push({
      method: req.method ?? "",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      authorization: req.headers.authorization,
      contentEncoding: req.headers["content-encoding"],
    });
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    try {
      if (req.headers.authorization !== `Bearer ${this.token}`) {
        throw new BigqueryError(401, "authError", "Request had invalid authentication credentials. Expected OAuth 2 access token.");
      }
      const m = /^\/bigquery\/v2\/projects\/([^/]+)(\/.*)$/.exec(url.pathname);
      if (!m) throw new BigqueryError(404, "notFound", `Not found: ${url.pathname}`);
      const [, project, rest] = m;
      if (project !== this.projectId) throw new BigqueryError(404, "notFound", `Not found: Project ${project}`);
      let r: RegExpExecArray | null;
      if (req.method === "GET" && (r = /^\/datasets\/([^/]+)$/.exec(rest))) return send(200, await this.getDataset(decodeURIComponent(r[1])));
      if (req.method === "POST" && rest === "/datasets") {
        const ref = (body?.datasetReference ?? {}) as { datasetId?: string };
        await this.createDataset(String(ref.datasetId));
        return send(200, await this.getDataset(String(ref.datasetId)));
      }
      if (req.method === "POST" && rest === "/queries") return send(200, await this.jobsQuery(body ?? {}));
      if (req.method === "POST" && rest === "/jobs") return send(200, await this.jobsInsert(body ?? {}));
      if (req.method === "GET" && (r = /^\/jobs\/([^/]+)$/.exec(rest))) return send(200, this.jobResource(this.job(r[1])));
      if (req.method === "GET" && (r = /^\/queries\/([^/]+)$/.exec(rest))) {
        return send(200, this.results(this.job(r[1]), Number(url.searchParams.get("pageToken") ?? 0)));
      }
      throw new BigqueryError(404, "notFound", `Not found: ${req.method} ${url.pathname}`);
    } catch (e) {
      const err = e instanceof BigqueryError ? e : new BigqueryError(500, "internalError", (e as Error).message);
      send(err.status, { error: { code: err.status, message: err.message, errors: [{ reason: err.reason, message: err.message }] } });
    }
  }

  private async getDataset(name: string): Promise<unknown> {
    const found = await this.sql(
      `SELECT 1 FROM duckdb_schemas() WHERE database_name = ${duckString(this.projectId)} AND schema_name = ${duckString(name)}`,
    );
    if (found.rows.length === 0) throw new BigqueryError(404, "notFound", `Not found: Dataset ${this.projectId}:${name}`);
    return { kind: "bigquery#dataset", id: `${this.projectId}:${name}`, datasetReference: { projectId: this.projectId, datasetId: name } };
  }

  private job(id: string): StoredJob {
    const job = this.jobs.get(id);
    if (!job) throw new BigqueryError(404, "notFound", `Not found: Job ${this.projectId}:${id}`);
    return job;
  }

  /** Execute a query request (jobs.query body, or a query job's configuration) and keep its result. */
  private async execute(q: {
    query?: string;
    queryParameters?: { parameterType: { type: string }; parameterValue: { value?: string } }[];
    createSession?: boolean;
    connectionProperties?: { key: string; value: string }[];
  }): Promise<StoredJob> {
    const id = `job_${++this.seq}`;
    let sessionId = q.connectionProperties?.find((p) => p.key === "session_id")?.value;
    if (sessionId && !this.sessions.has(sessionId)) throw new BigqueryError(400, "invalidQuery", `Session ${sessionId} was not found`);
    if (q.createSession) {
      sessionId = `session_${this.seq}`;
      this.sessions.set(sessionId, await this.connection());
    }
    const con = sessionId ? (this.sessions.get(sessionId) as DuckDBConnection) : (this.shared as DuckDBConnection);
    const text = String(q.query ?? "");
    if (/^\s*CALL\s+BQ\.ABORT_SESSION\(\)\s*;?\s*$/i.test(text)) {
      if (sessionId) {
        await con.run("ROLLBACK").catch(() => undefined);
        con.closeSync();
        this.sessions.delete(sessionId);
      }
      const job = { id, result: { columns: [], rows: [], changed: 0, statement: "other" as const }, statementType: "SCRIPT" };
      this.jobs.set(id, job);
      return job;
    }
    const params = (q.queryParameters ?? []).map((p) => paramValue(p.parameterType.type, p.parameterValue.value));
    let result: Result;
    try {
      result = await runOn(con, translateGoogleSql(text), params);
    } catch (e) {
      if (e instanceof BigqueryError) throw e;
      throw bigqueryErrorOf((e as Error).message, this.projectId);
    }
    const job = { id, result, statementType: result.statement.toUpperCase(), sessionId };
    this.jobs.set(id, job);
    return job;
  }

  private async jobsQuery(body: Record<string, unknown>): Promise<unknown> {
    const job = await this.execute(body);
    return this.results(job, 0);
  }

  private async jobsInsert(body: Record<string, unknown>): Promise<unknown> {
    const config = (body.configuration as { query?: Record<string, unknown> } | undefined)?.query ?? {};
    const wanted = (body.jobReference as { jobId?: string } | undefined)?.jobId;
    const job = await this.execute(config);
    if (wanted) {
      this.jobs.delete(job.id);
      job.id = wanted;
      this.jobs.set(wanted, job);
    }
    return this.jobResource(job);
  }

  private jobResource(job: StoredJob): unknown {
    return {
      kind: "bigquery#job",
      id: `${this.projectId}:${job.id}`,
      jobReference: { projectId: this.projectId, jobId: job.id, location: "US" },
      status: { state: "DONE" },
      statistics: {
        query: { statementType: job.statementType, numDmlAffectedRows: String(job.result.changed) },
        ...(job.sessionId ? { sessionInfo: { sessionId: job.sessionId } } : {}),
      },
    };
  }

  /** A page of a job's result, in the shape jobs.query and getQueryResults answer. */
  private results(job: StoredJob, start: number): unknown {
    const { columns, rows, statement, changed } = job.result;
    const page = rows.slice(start, start + this.pageRows);
    const next = start + this.pageRows < rows.length ? String(start + this.pageRows) : undefined;
    const isDml = ["insert", "update", "delete", "merge"].includes(statement);
    return {
      kind: "bigquery#queryResponse",
      jobReference: { projectId: this.projectId, jobId: job.id, location: "US" },
      jobComplete: true,
      totalRows: String(rows.length),
      schema: { fields: columns.map((c) => ({ name: c.name, type: bigqueryType(c.type), mode: "NULLABLE" })) },
      rows: page.map((r) => ({ f: r.map((v) => ({ v })) })),
      ...(next ? { pageToken: next } : {}),
      ...(isDml ? { numDmlAffectedRows: String(changed) } : {}),
      ...(job.sessionId ? { sessionInfo: { sessionId: job.sessionId } } : {}),
    };
  }
}

/** BigQuery's legacy type names, as the REST schema reports them. */
function bigqueryType(duck: string): string {
  if (duck.startsWith("TIMESTAMP")) return "TIMESTAMP";
  if (duck === "DATE") return "DATE";
  if (duck === "BOOLEAN") return "BOOLEAN";
  if (/^(BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER)$/.test(duck)) return "INTEGER";
  if (/^(DOUBLE|FLOAT|REAL)$/.test(duck)) return "FLOAT";
  if (duck.startsWith("DECIMAL")) return "NUMERIC";
  return "STRING";
}

function paramValue(type: string, value: string | undefined): unknown {
  if (value === undefined) return null;
  if (type === "INT64" || type === "FLOAT64" || type === "NUMERIC") return Number(value);
  if (type === "BOOL") return value === "true";
  return value;
}

/** DuckDB's error as BigQuery words it: missing tables and datasets are notFound, the rest invalidQuery. */
function bigqueryErrorOf(message: string, project: string): BigqueryError {
  const first = message.split("\n")[0];
  const schema = /schema "([^"]+)" does not exist/.exec(first);
  if (schema) return new BigqueryError(404, "notFound", `Not found: Dataset ${project}:${schema[1]} was not found in location US`);
  const table = /Table with name (\S+) does not exist/.exec(first);
  if (table) return new BigqueryError(404, "notFound", `Not found: Table ${project}:${table[1].replace(/"/g, "")} was not found in location US`);
  return new BigqueryError(400, "invalidQuery", first);
}
