// A ClickHouse server for the tests: Debian's clickhouse-server (18.16) started in a temp folder on a
// free port, with the default user (no password) and a user `anomstack` / `anomstack`; or, with
// ANOMSTACK_TEST_CLICKHOUSE_URL, a server that is already running. Fails with how to install it when
// neither is there (CONTRIBUTING.md).
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface ClickhouseServer {
  /** http://127.0.0.1:<port> */
  url: string;
  stop(): Promise<void>;
}

const BINARIES = ["/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function ping(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    return r.ok && (await r.text()).startsWith("Ok");
  } catch {
    return false;
  }
}

/** Start a throw-away ClickHouse server (or use ANOMSTACK_TEST_CLICKHOUSE_URL). */
export async function startClickhouse(): Promise<ClickhouseServer> {
  const given = process.env.ANOMSTACK_TEST_CLICKHOUSE_URL;
  if (given) {
    if (!(await ping(given))) throw new Error(`ClickHouse is not reachable at ANOMSTACK_TEST_CLICKHOUSE_URL=${given}`);
    return { url: given, stop: async () => {} };
  }
  const bin = BINARIES.find((b) => fs.existsSync(b));
  if (!bin) {
    throw new Error(
      "clickhouse-server is not installed: `apt-get install -y clickhouse-server` (Debian; .ci/run does it), " +
        "or point ANOMSTACK_TEST_CLICKHOUSE_URL at a running server whose default user has no password; see CONTRIBUTING.md.",
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-clickhouse-"));
  const [http, tcp, interserver] = [await freePort(), await freePort(), await freePort()];
  fs.writeFileSync(
    path.join(dir, "config.xml"),
    `<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/server.err.log</errorlog></logger>
  <http_port>${http}</http_port><tcp_port>${tcp}</tcp_port><interserver_http_port>${interserver}</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path><tmp_path>${dir}/tmp/</tmp_path><user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile><default_database>default</default_database>
  <mark_cache_size>5368709120</mark_cache_size>
  <timezone>UTC</timezone>
</yandex>
`,
  );
  fs.writeFileSync(
    path.join(dir, "users.xml"),
    `<yandex>
  <profiles><default></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>
    <anomstack><password>anomstack</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></anomstack>
  </users>
  <quotas><default></default></quotas>
</yandex>
`,
  );
  const url = `http://127.0.0.1:${http}`;
  const child: ChildProcess = spawn(bin, [`--config-file=${dir}/config.xml`], { cwd: dir, stdio: "ignore", detached: false });
  let exited: number | null = null;
  child.once("exit", (code) => {
    exited = code ?? -1;
  });
  const started = Date.now();
  while (!(await ping(url))) {
    if (exited !== null || Date.now() - started > 30_000) {
      child.kill("SIGKILL");
      const log = fs.existsSync(`${dir}/server.err.log`) ? fs.readFileSync(`${dir}/server.err.log`, "utf8").slice(-2000) : "";
      throw new Error(
        `clickhouse-server (${bin}) did not start on port ${http} (${exited !== null ? `exit ${exited}` : "timeout"}); its log:\n${log}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: async () => {
      if (exited === null) {
        const done = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
        if (exited === null) child.kill("SIGKILL");
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
