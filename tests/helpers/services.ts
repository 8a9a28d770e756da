// The services the full suite talks to, and what to do when one is not running: a test that needs
// a service it cannot reach fails with a message that says how to start it (CONTRIBUTING.md lists them).
import pg from "pg";

/** The PostgreSQL database of the tests (trust auth on 127.0.0.1:5432, database `test`). */
export const PG_URL = process.env.ANOMSTACK_TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

/** Connect once to PostgreSQL, or throw an error that says how to start it. */
export async function requirePostgres(): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    await c.query("select 1");
  } catch (e) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_URL} (${(e as Error).message}). Start it with ` +
        "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (Debian), or point " +
        "ANOMSTACK_TEST_POSTGRES_URL at a server with a database you may create schemas in; see CONTRIBUTING.md.",
    );
  } finally {
    await c.end().catch(() => {});
  }
}
