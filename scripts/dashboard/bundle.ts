// Build the dashboard app (f/anomstack/dashboard.raw_app) for the local server with esbuild and the
// options `wmill app bundle` uses (IIFE for the browser, es2020, automatic JSX, CSS beside the JS).
// The only difference: `./wmill` resolves to the local shim (wmill-local.ts) instead of Windmill's.
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const APP_DIR = path.join(REPO_ROOT, "f/anomstack/dashboard.raw_app");
export const LOCAL_WMILL = path.join(REPO_ROOT, "scripts/dashboard/wmill-local.ts");

/** The import specifiers Windmill's bundler treats as its virtual `wmill` module. */
export const WMILL_IMPORT = /^(\.\.\/)+wmill(\.ts)?$|^(\.\/|\/)?wmill(\.ts)?$/;

export interface AppBundle {
  js: string;
  css: string;
  /** Build time in milliseconds. */
  ms: number;
}

/** Bundle the app in memory. @throws with esbuild's messages when the app does not build. */
export async function bundleApp(opts: { appDir?: string; minify?: boolean; wmillModule?: string } = {}): Promise<AppBundle> {
  const appDir = opts.appDir ?? APP_DIR;
  const shim = opts.wmillModule ?? LOCAL_WMILL;
  const started = performance.now();
  const esbuild = await import("esbuild"); // only when a dashboard is built
  const result = await esbuild.build({
    entryPoints: [path.join(appDir, "index.tsx")],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2020",
    jsx: "automatic",
    loader: { ".css": "css" },
    conditions: ["style", "module"],
    outfile: path.join(appDir, "dist", "bundle.js"),
    write: false,
    minify: opts.minify ?? true,
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"' },
    plugins: [
      {
        name: "anomstack-local-wmill",
        setup(build) {
          build.onResolve({ filter: WMILL_IMPORT }, () => ({ path: shim }));
        },
      },
    ],
  });
  const js = result.outputFiles.find((f) => f.path.endsWith(".js"));
  const css = result.outputFiles.find((f) => f.path.endsWith(".css"));
  if (!js) throw new Error(`the dashboard app in ${appDir} built no JavaScript`);
  return { js: js.text, css: css?.text ?? "", ms: performance.now() - started };
}
