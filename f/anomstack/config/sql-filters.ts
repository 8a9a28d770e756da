// SQL quoting filters registered in the template environment: sql_str (string literal),
// sql_list (comma list of string literals) and sql_ident (double-quoted, dotted identifiers).
//nobundling

function scalarText(value: unknown, filter: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  const got = value === null ? "null" : value === undefined ? "undefined (is the variable defined?)" : Array.isArray(value) ? "a list" : typeof value;
  throw new Error(`${filter}: expected a string, got ${got}`);
}

/** `it's` -> `'it''s'`: a SQL single-quoted string literal. Numbers/booleans are quoted as text. */
export function sqlStr(value: unknown): string {
  return `'${scalarText(value, "sql_str").replace(/'/g, "''")}'`;
}

/**
 * `["a", "b'c"]` -> `'a', 'b''c'` for `x in (...)`. An empty list throws, because `x not in (NULL)`
 * is never true in SQL: guard the clause with `{% if list %}` instead.
 */
export function sqlList(value: unknown): string {
  if (!Array.isArray(value)) {
    const got = value === undefined ? "undefined (is the variable defined?)" : value === null ? "null" : typeof value;
    throw new Error(`sql_list: expected a list, got ${got}`);
  }
  if (value.length === 0) {
    throw new Error("sql_list: the list is empty; guard the clause with {% if <list> %} instead of rendering an empty list");
  }
  return value.map((v) => `'${scalarText(v, "sql_list").replace(/'/g, "''")}'`).join(", ");
}

/** `main.metrics` -> `"main"."metrics"`: each dot-separated part double-quoted, `"` doubled. */
export function sqlIdent(value: unknown): string {
  const text = scalarText(value, "sql_ident");
  const parts = text.split(".");
  if (parts.some((p) => p.trim() === "")) throw new Error(`sql_ident: invalid identifier "${text}" (empty part)`);
  return parts.map((p) => `"${p.replace(/"/g, '""')}"`).join(".");
}
