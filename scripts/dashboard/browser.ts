// Headless Chromium for the dashboard's browser tests and benchmark: Debian's /usr/bin/chromium driven
// by playwright-core (no browser download), with the flags a sandbox without network needs, and a
// `anomstack dashboard` child process serving a given store.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { REPO_ROOT } from "./bundle.ts";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The Chromium binary: $ANOMSTACK_CHROMIUM, or Debian's / Ubuntu's package; undefined if none. */
export function findChromium(): string | undefined {
  const candidates = [process.env.ANOMSTACK_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
  return candidates.find((c): c is string => !!c && fs.existsSync(c));
}

/** Launch headless Chromium (each launch gets a fresh temporary profile). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error("Chromium not found: apt-get install -y chromium (or set ANOMSTACK_CHROMIUM)");
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

export interface DashboardProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Run `anomstack dashboard --port 0` with `env` and wait for the URL it prints. */
export function spawnDashboard(env: Record<string, string>, args: string[] = [], timeoutMs = 60_000): Promise<DashboardProcess> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, "scripts/anomstack.mjs"), "dashboard", "--port", "0", ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ANOMSTACK_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`anomstack dashboard did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Anomstack dashboard: (http:\/\/\S+?\/)(\?|\s)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], child, output: () => out, stop });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`anomstack dashboard exited with ${code}:\n${out}`));
    });
  });
}
