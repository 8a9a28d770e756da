// A local stand-in for Snowflake's driver protocol as snowflake-sdk 3 speaks it: POST
// /session/v1/login-request (password, or key-pair: an RS256 JWT checked against the user's public key), POST /queries/v1/query-request (gzip JSON with bindings,
// `Snowflake Token="..."` auth), session delete and telemetry. The SQL runs on an in-memory DuckDB (one
// connection per session, so BEGIN/COMMIT are real) after the translation Snowflake SQL needs (a few
// type and function names); unquoted result names come back upper-cased as Snowflake returns them.
// Every request is recorded so tests can assert what the driver sent.
import crypto from "node:crypto";
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

const MACROS = [
  `CREATE MACRO to_timestamp_ntz(x) AS CAST(x AS TIMESTAMP)`,
  `CREATE MACRO uniform(lo, hi, gen) AS lo + (hi - lo) * random()`,
  `CREATE MACRO sf_dateadd_day(n, t) AS t + n * INTERVAL 1 DAY`,
  `CREATE MACRO sf_epoch_second(t) AS CAST(epoch(t) AS BIGINT)`,
  `CREATE MACRO sf_epoch_millisecond(t) AS epoch_ms(t)`,
];

/** SQL that DuckDB runs but Snowflake refuses: the stand-in refuses it too. */
const NOT_SNOWFLAKE_SQL: [RegExp, string][] = [
  [/\bON\s+CONFLICT\b/i, "syntax error: unexpected 'ON' (Snowflake has no ON CONFLICT; use MERGE)"],
  [/\bFILTER\s*\(\s*WHERE\b/i, "syntax error: unexpected 'FILTER' (use IFF / CASE inside the aggregate)"],
  [/\b(ANTI|SEMI)\s+JOIN\b/i, "syntax error: unexpected 'JOIN'"],
  [/\bEPOCH(_MS)?\s*\(/i, "Unknown function EPOCH"],
];

/** Snowflake SQL → DuckDB SQL: FLOAT is a double in Snowflake, NUMBER an integer (NUMBER(38,0)), TIMESTAMP_NTZ a plain timestamp. */
export function translateSnowflakeSql(sql: string): string {
  const tokens = tokenize(sql, { backslash: true, doubling: true });
  for (const t of tokens) {
    if (t.kind !== "text") continue;
    for (const [re, message] of NOT_SNOWFLAKE_SQL) if (re.test(t.text.replace(/--[^\n]*/g, ""))) throw new Error(message);
  }
  return tokens
    .map((t) =>
      t.kind === "single"
        ? duckString(t.text)
        : t.kind === "double"
          ? duckIdent(t.text)
          : t.kind === "backtick"
            ? `\`${t.text}\``
            : t.text
                .replace(/\bFLOAT\b/gi, "DOUBLE")
                .replace(/\bNUMBER\b(?!\s*\()/gi, "BIGINT")
                .replace(/\bNUMBER\s*\(/gi, "DECIMAL(")
                .replace(/\bTIMESTAMP_NTZ\b/gi, "TIMESTAMP")
                // date-part keywords as arguments: DuckDB would read them as columns
                .replace(/\bdateadd\(\s*day\s*,/gi, "sf_dateadd_day(")
                .replace(/\bdate_part\(\s*epoch_second\s*,/gi, "sf_epoch_second(")
                .replace(/\bdate_part\(\s*epoch_millisecond\s*,/gi, "sf_epoch_millisecond("),
    )
    .join("");
}

const STATEMENT_TYPE: Record<Result["statement"], number> = {
  select: 0x1000,
  insert: 0x3100,
  update: 0x3200,
  delete: 0x3300,
  merge: 0x3400,
  ddl: 0x6000,
  other: 0x4000,
};

export class SnowflakeStandin {
  readonly requests: RecordedRequest[] = [];
  private server?: http.Server;
  private db?: DuckDBInstance;
  private setup?: DuckDBConnection;
  private readonly sessions = new Map<string, DuckDBConnection>();
  private seq = 0;

  constructor(
    readonly account: string,
    readonly user: string,
    readonly password: string,
    readonly databases: string[],
    /** The user's RSA public key (PEM), for key-pair (SNOWFLAKE_JWT) logins. */
    readonly publicKey?: string,
  ) {}

  /** Start; returns the accessUrl to hand to the driver. */
  async start(): Promise<string> {
    this.db = await memoryDuckdb();
    this.setup = await this.db.connect();
    for (const d of this.databases) {
      await this.setup.run(`ATTACH ':memory:' AS ${duckIdent(d)}`);
      await this.setup.run(`USE ${duckIdent(d)}`);
      for (const m of MACROS) await this.setup.run(m);
    }
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const c of this.sessions.values()) c.closeSync();
    this.setup?.closeSync();
    this.db?.closeSync();
  }

  /** Run DuckDB SQL directly (set-up and checks). */
  async sql(sql: string): Promise<Result> {
    if (!this.setup) throw new Error("not started");
    return runOn(this.setup, sql, []);
  }

  calls(suffix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith(suffix));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://standin");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let raw = Buffer.concat(chunks);
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
    const send = (json: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    try {
      if (url.pathname === "/session/v1/login-request") return send(await this.login(body ?? {}, url.searchParams));
      const token = /^Snowflake Token="([^"]+)"$/.exec(req.headers.authorization ?? "")?.[1];
      const con = token ? this.sessions.get(token) : undefined;
      if (!token || !con) return send({ success: false, code: "390104", message: "User must login again to access the service.", data: null });
      if (url.pathname === "/session" && url.searchParams.get("delete") === "true") {
        con.closeSync();
        this.sessions.delete(token);
        return send({ success: true, code: null, message: null, data: null });
      }
      if (url.pathname === "/telemetry/send") return send({ success: true, data: "Log Received" });
      if (url.pathname === "/queries/v1/query-request") return send(await this.query(con, body ?? {}));
      return send({ success: false, code: "000404", message: `unknown path ${url.pathname}`, data: null });
    } catch (e) {
      send({ success: false, code: "000603", message: (e as Error).message, data: null });
    }
  }

  private async login(body: Record<string, unknown>, qs: URLSearchParams): Promise<unknown> {
    const data = (body.data ?? {}) as Record<string, unknown>;
    const credential = data.AUTHENTICATOR === "SNOWFLAKE_JWT" ? this.validJwt(String(data.TOKEN ?? "")) : data.PASSWORD === this.password;
    if (data.ACCOUNT_NAME !== this.account || data.LOGIN_NAME !== this.user || !credential) {
      return { success: false, code: "390100", message: "Incorrect username or password was specified.", data: { nextAction: "RETRY_LOGIN" } };
    }
    if (!this.db) throw new Error("not started");
    const con = await this.db.connect();
    const database = qs.get("databaseName") ?? this.databases[0];
    const schema = qs.get("schemaName");
    // The session's current database and schema, which unqualified names resolve in.
    await con.run(`USE ${duckIdent(database.toUpperCase())}${schema ? `.${duckIdent(schema.toUpperCase())}` : ""}`);
    const token = `session-token-${++this.seq}`;
    this.sessions.set(token, con);
    return {
      success: true,
      code: null,
      message: null,
      data: {
        token,
        masterToken: `master-${token}`,
        validityInSeconds: 3600,
        masterValidityInSeconds: 14400,
        sessionId: this.seq,
        parameters: [{ name: "TIMEZONE", value: "UTC" }],
        sessionInfo: { databaseName: database, warehouseName: qs.get("warehouse") },
      },
    };
  }

  /** Key-pair auth as Snowflake checks it: the RS256 signature, `sub` = ACCOUNT.USER, `iss` = sub.SHA256:<fingerprint>. */
  private validJwt(token: string): boolean {
    if (!this.publicKey) return false;
    const [header, payload, signature] = token.split(".");
    if (!header || !payload || !signature) return false;
    const signed = crypto.verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), this.publicKey, Buffer.from(signature, "base64url"));
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { iss?: string; sub?: string };
    const der = crypto.createPublicKey(this.publicKey).export({ format: "der", type: "spki" });
    const fingerprint = `SHA256:${crypto.createHash("sha256").update(der).digest("base64")}`;
    const sub = `${this.account.toUpperCase()}.${this.user.toUpperCase()}`;
    return signed && claims.sub === sub && claims.iss === `${sub}.${fingerprint}`;
  }

  private async query(con: DuckDBConnection, body: Record<string, unknown>): Promise<unknown> {
    const sqlText = String(body.sqlText ?? "");
    const bindings = (body.bindings ?? {}) as Record<string, { type: string; value: string | null }>;
    const params = Object.keys(bindings)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => bindValue(bindings[k]));
    const queryId = `01-query-${++this.seq}`;
    let result: Result;
    try {
      result = await runOn(con, translateSnowflakeSql(sqlText), params);
    } catch (e) {
      return snowflakeError((e as Error).message, queryId);
    }
    const quoted = new Set(tokenize(sqlText, { backslash: true, doubling: true }).flatMap((t) => (t.kind === "double" ? [t.text] : [])));
    const dml = ["insert", "update", "delete", "merge"].includes(result.statement);
    const rowtype = dml
      ? [
          {
            name: result.statement === "delete" ? "number of rows deleted" : "number of rows inserted",
            type: "fixed",
            scale: 0,
            precision: 38,
            nullable: false,
          },
        ]
      : result.columns.map((c) => ({ name: quoted.has(c.name) ? c.name : c.name.toUpperCase(), ...snowflakeType(c.type), nullable: true }));
    const rowset = dml ? [[String(result.changed)]] : result.rows.map((r) => r.map((v, i) => rawValue(v, result.columns[i].type)));
    return {
      success: true,
      code: null,
      message: null,
      data: {
        queryId,
        rowtype,
        rowset,
        total: rowset.length,
        returned: rowset.length,
        queryResultFormat: "json",
        statementTypeId: STATEMENT_TYPE[result.statement],
        parameters: [],
        version: 1,
      },
    };
  }
}

function bindValue(b: { type: string; value: string | null }): unknown {
  if (b.value === null) return null;
  if (b.type === "FIXED" || b.type === "REAL") return Number(b.value);
  if (b.type === "BOOLEAN") return b.value === "true";
  return b.value;
}

function snowflakeType(duck: string): { type: string; scale: number; precision: number | null } {
  if (duck.startsWith("TIMESTAMP")) return { type: "timestamp_ntz", scale: 9, precision: 0 };
  if (duck === "DATE") return { type: "date", scale: 0, precision: null };
  if (duck === "BOOLEAN") return { type: "boolean", scale: 0, precision: null };
  if (/^(BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER)$/.test(duck)) return { type: "fixed", scale: 0, precision: 38 };
  if (/^(DOUBLE|FLOAT|REAL)$/.test(duck) || duck.startsWith("DECIMAL")) return { type: "real", scale: 0, precision: null };
  return { type: "text", scale: 0, precision: null };
}

/** Snowflake's JSON result encoding: TIMESTAMP_NTZ as seconds.nanoseconds, booleans as 1/0. */
function rawValue(v: string | null, duck: string): string | null {
  if (v === null) return null;
  if (duck.startsWith("TIMESTAMP")) {
    const micros = BigInt(v);
    const neg = micros < 0n;
    const abs = neg ? -micros : micros;
    return `${neg ? "-" : ""}${abs / 1_000_000n}.${String(abs % 1_000_000n).padStart(6, "0")}000`;
  }
  if (duck === "BOOLEAN") return v === "true" ? "1" : "0";
  return v;
}

/** DuckDB's error as Snowflake words it: a missing schema or table is 002003, the rest a compilation error. */
function snowflakeError(message: string, queryId: string): unknown {
  const first = message.split("\n")[0];
  const schema = /schema "([^"]+)" does not exist/.exec(first) ?? /Schema with name "?([^"\s]+)"? does not exist/.exec(first);
  const table = /Table with name (\S+) does not exist/.exec(first);
  const text = schema
    ? `SQL compilation error:\nSchema '${schema[1].toUpperCase()}' does not exist or not authorized.`
    : table
      ? `SQL compilation error:\nObject '${table[1].replace(/"/g, "").toUpperCase()}' does not exist or not authorized.`
      : `SQL compilation error:\n${first}`;
  return {
    success: false,
    code: schema || table ? "002003" : "001003",
    message: text,
    data: { sqlState: schema || table ? "02000" : "42000", queryId },
  };
}
