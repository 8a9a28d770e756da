// `anomstack dashboard`: serve the dashboard app on 127.0.0.1 (port 5003) against the local store,
// until interrupted (Ctrl-C).
import { InvalidArgumentError, type Command } from "commander";
import { resolveDuckdbPath } from "../../f/anomstack/config/index.ts";
import { DEFAULT_HOST, DEFAULT_PORT, startDashboardServer } from "../dashboard/server.ts";

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("expected a port number (0 = any free port)");
  return n;
}

export function dashboardCommand(program: Command): void {
  program
    .command("dashboard")
    .description("serve the dashboard (the Windmill app) locally against the DuckDB store, on 127.0.0.1:5003")
    .option("--port <n>", "port (default: $ANOMSTACK_DASHBOARD_PORT or 5003; 0 = any free port)", port)
    .option("--host <address>", "address to listen on (default: $ANOMSTACK_DASHBOARD_HOST or 127.0.0.1; other addresses need a token)")
    .option("--token <token>", "require this token (default: $ANOMSTACK_DASHBOARD_TOKEN); open the dashboard as /?token=<token>")
    .option("-q, --quiet", "do not log each request")
    .action(async (opts: { port?: number; host?: string; token?: string; quiet?: boolean }) => {
      const envPort = process.env.ANOMSTACK_DASHBOARD_PORT;
      const server = await startDashboardServer({
        host: opts.host ?? (process.env.ANOMSTACK_DASHBOARD_HOST || DEFAULT_HOST),
        port: opts.port ?? (envPort ? port(envPort) : DEFAULT_PORT),
        token: opts.token ?? (process.env.ANOMSTACK_DASHBOARD_TOKEN || undefined),
        log: opts.quiet ? undefined : (l) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${l}\n`),
      });
      const say = (l: string) => process.stdout.write(`${l}\n`);
      say(`Anomstack dashboard: ${server.url}${opts.token || process.env.ANOMSTACK_DASHBOARD_TOKEN ? "?token=<token>" : ""}`);
      say(`  store ${resolveDuckdbPath()}, app built in ${Math.round(server.bundle.ms)} ms; Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void server.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
