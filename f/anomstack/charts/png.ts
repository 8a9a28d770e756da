// SVG → PNG with resvg (a Rust rasteriser, no browser), at 2x for sharp text. Fonts are DejaVu Sans
// from the npm package dejavu-fonts-ttf (installed with the scripts, so a Windmill worker without any
// font package draws the same glyphs as a laptop), else from the system's folders; without any the
// system fonts are used (and a plot may look slightly different).
//nobundling
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Env } from "../core/env.ts";

type ResvgModule = typeof import("@resvg/resvg-js");
let resvgModule: ResvgModule | undefined;

/**
 * resvg's native addon, loaded by the first plot rather than by every job and CLI command that imports
 * the charts; found from this module, or from the working folder (as the fonts below).
 */
function resvg(): ResvgModule {
  if (resvgModule) return resvgModule;
  let failure: unknown;
  for (const from of [import.meta.url, path.join(process.cwd(), "package.json")]) {
    try {
      return (resvgModule = createRequire(from)("@resvg/resvg-js") as ResvgModule);
    } catch (e) {
      failure ??= e;
    }
  }
  throw failure;
}

/** Where Debian (fonts-dejavu-core), Alpine and macOS Homebrew keep DejaVu Sans; ANOMSTACK_PLOT_FONT_DIR comes first. */
const FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF", "/opt/homebrew/share/fonts"];
const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"];

let fontFiles: string[] | undefined;

/**
 * The folder of the fonts of the npm package dejavu-fonts-ttf: found from this module, or from the
 * working folder (a Windmill job's folder, where the worker installs the scripts' packages).
 */
function packagedFontDir(): string | undefined {
  for (const from of [import.meta.url, path.join(process.cwd(), "package.json")]) {
    try {
      return path.join(path.dirname(createRequire(from).resolve("dejavu-fonts-ttf/package.json")), "ttf");
    } catch {
      // not installed where `from` looks
    }
  }
  return undefined;
}

/** The DejaVu Sans files found (regular and bold), or [] when none are installed. */
export function plotFontFiles(env: Env = process.env): string[] {
  if (fontFiles) return fontFiles;
  const dirs = [env.ANOMSTACK_PLOT_FONT_DIR, packagedFontDir(), ...FONT_DIRS].filter((d): d is string => !!d);
  for (const dir of dirs) {
    const files = FONT_FILES.map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));
    if (files.length > 0) return (fontFiles = files);
  }
  return (fontFiles = []);
}

/**
 * Rasterise an SVG document at `scale` (default 2: a 640-wide plot becomes a 1280-pixel PNG, shown
 * at 640 in emails). Synchronous; about 50-150 ms for an alert plot.
 */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const files = plotFontFiles();
  const image = new (resvg().Resvg)(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "#ffffff",
    font: files.length > 0 ? { loadSystemFonts: false, fontFiles: files, defaultFontFamily: "DejaVu Sans" } : { loadSystemFonts: true },
    shapeRendering: 2,
    textRendering: 1,
    logLevel: "off",
  });
  return new Uint8Array(image.render().asPng());
}
