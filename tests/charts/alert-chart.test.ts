// The alert plot: what the SVG draws (exact labels, marks, clipping of huge scores), the time axis and
// number formats, and the PNG (size, real glyphs from DejaVu Sans, rendered well under a second).
import path from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { describe, expect, it } from "vitest";
import { REPO_DIR } from "../helpers/workspace.ts";
import type { SeriesPoint } from "../../f/anomstack/alerts/channel.ts";
import { formatScore, formatTick, formatValue, niceTicks } from "../../f/anomstack/core/numbers.ts";
import { alertPlotSvg, plotFontFiles, renderPlot, timeTicks, type PlotInput } from "../../f/anomstack/charts/index.ts";

const END = Date.UTC(2026, 2, 1, 12, 0);
const STEP = 300_000;

/** 100 points: a gentle wave, a scored spike at the end, a change and a threshold breach marked. */
function series(): SeriesPoint[] {
  return Array.from({ length: 100 }, (_, i) => {
    const last = i === 99;
    return {
      timestamp: END - (99 - i) * STEP,
      value: last ? 30 : 10 + Math.sin(i / 8),
      score: i < 5 ? null : last ? 0.95 : 0.3,
      marks: last ? ["anomaly"] : i === 60 ? ["change"] : i === 40 ? ["threshold"] : [],
    };
  });
}

function input(extra: Partial<PlotInput> = {}): PlotInput {
  return {
    title: "orders",
    subtitle: "shop · anomaly alert · 2026-03-01 12:00 UTC · 100 points",
    points: series(),
    scoreLabel: "anomaly score (smoothed)",
    scoreThreshold: 0.8,
    expected: { lower: 9, upper: 11, basis: "values scored below 0.80 in the last 100 points" },
    highlight: END,
    ...extra,
  };
}

/** Text contents of the SVG's <text> elements, in order. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

describe("alert plot SVG", () => {
  it("labels the title, the axes, the threshold, the alert value and the legend", () => {
    const svg = alertPlotSvg(input({ bounds: { upper: 12 } }));
    expect(texts(svg)).toEqual([
      "orders",
      "shop · anomaly alert · 2026-03-01 12:00 UTC · 100 points",
      "10",
      "20",
      "30",
      "upper bound 12",
      "30",
      "anomaly score (smoothed)",
      "0",
      "0.5",
      "1",
      "threshold 0.80",
      "03-01 04:00",
      "06:00",
      "08:00",
      "10:00",
      "12:00",
      "value",
      "expected range",
      "bound",
      "score",
      "threshold",
      "anomaly alert",
      "change",
      "threshold breach",
    ]);
  });

  it("marks each alert kind with its own shape and colour, on the value and score panels", () => {
    const svg = alertPlotSvg(input());
    // anomaly: a red circle on the value line, a red dot on the score line, one in the legend
    expect(svg.match(/<circle [^>]*fill="#dc2626"/g)).toHaveLength(3);
    // change: an orange diamond (plus legend) and an orange dot on the score line
    expect(svg.match(/<path [^>]*fill="#f59e0b"/g)).toHaveLength(2);
    expect(svg.match(/<circle [^>]*fill="#f59e0b"/g)).toHaveLength(1);
    // threshold breach: a purple triangle (plus legend)
    expect(svg.match(/<path [^>]*fill="#7c3aed"/g)).toHaveLength(2);
  });

  it("caps huge MAD scores (1.8e308 when MAD is 0) at 4x the threshold, with finite coordinates", () => {
    const points = series().map((p, i) => ({ ...p, score: i === 99 ? Number.MAX_VALUE : 1 }));
    const svg = alertPlotSvg(input({ points, scoreLabel: "change score (MAD z)", scoreThreshold: 3.5 }));
    expect(svg).not.toMatch(/NaN|Infinity|e\+/);
    expect(texts(svg)).toContain("threshold 3.50");
    // the axis ends at 4 x 3.5 x 1.1 = 15.4: ticks 0 and 10, then the threshold line
    const t = texts(svg);
    expect(t.slice(t.indexOf("change score (MAD z)") + 1, t.indexOf("threshold 3.50") + 1)).toEqual(["0", "10", "threshold 3.50"]);
  });

  it("draws only the value panel when nothing is scored, and says when there is no data", () => {
    const unscored = alertPlotSvg(input({ points: series().map((p) => ({ ...p, score: null })) }));
    expect(texts(unscored)).not.toContain("anomaly score (smoothed)");
    expect(texts(alertPlotSvg(input({ points: [] })))).toEqual([
      "orders",
      "shop · anomaly alert · 2026-03-01 12:00 UTC · 100 points",
      "no data in the plot window",
    ]);
  });

  it("puts round UTC times on the x axis, with the date on the first tick and at midnight", () => {
    expect(timeTicks(Date.UTC(2026, 1, 28, 23, 10), END, 5).map((t) => t.label)).toEqual(["03-01 00:00", "03:00", "06:00", "09:00", "12:00"]);
    expect(timeTicks(Date.UTC(2026, 2, 1, 10, 0), END, 5).map((t) => t.label)).toEqual(["03-01 10:00", "10:30", "11:00", "11:30", "12:00"]);
    expect(timeTicks(Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1), 5).map((t) => t.label)).toEqual([
      "2026-02-05",
      "2026-02-12",
      "2026-02-19",
      "2026-02-26",
    ]);
  });
});

describe("number formats", () => {
  it("prints values as stored, scores with 2 decimals, ticks compactly", () => {
    expect([formatValue(12345.6789), formatValue(0.5), formatValue(30), formatValue(-0.00001), formatValue(1e16)]).toEqual([
      "12,345.6789",
      "0.5",
      "30",
      "-1.00e-5",
      "1.000e+16",
    ]);
    expect([formatScore(0.91234), formatScore(1), formatScore(123.4), formatScore(Number.MAX_VALUE)]).toEqual(["0.91", "1.00", "123", "1.8e+308"]);
    expect([formatTick(2500, 500), formatTick(0.25, 0.05), formatTick(1_200_000, 200_000), formatTick(-1500, 500)]).toEqual([
      "2.5k",
      "0.25",
      "1.2M",
      "-1.5k",
    ]);
    expect(niceTicks(0, 10, 5)).toEqual({ step: 2, ticks: [0, 2, 4, 6, 8, 10] });
    expect(niceTicks(8.1, 25.7, 4)).toEqual({ step: 5, ticks: [10, 15, 20, 25] });
  });
});

describe("alert plot PNG", () => {
  it("is a 1280-pixel-wide PNG", () => {
    const png = renderPlot(input());
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const view = new DataView(png.buffer, png.byteOffset);
    expect(view.getUint32(16)).toBe(1280); // IHDR width
    expect(view.getUint32(20)).toBeGreaterThan(700);
  });

  it("takes its fonts from the dejavu-fonts-ttf package, so a worker without system fonts draws the same text", () => {
    expect(plotFontFiles({}).map((f) => path.relative(REPO_DIR, f))).toEqual([
      "node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf",
      "node_modules/dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf",
    ]);
  });

  it("draws text with DejaVu Sans from its files (stable fonts), not blank boxes", () => {
    expect(plotFontFiles().some((f) => f.endsWith("DejaVuSans.ttf"))).toBe(true);
    const svg = alertPlotSvg(input());
    const render = (font: object) => new Resvg(svg, { font, fitTo: { mode: "zoom", value: 1 }, background: "#ffffff" }).render();
    const withFont = render({ loadSystemFonts: false, fontFiles: plotFontFiles(), defaultFontFamily: "DejaVu Sans" });
    const noFont = render({ loadSystemFonts: false, fontFiles: [] });
    // the title's box (x 18..100, y 8..28 at scale 1) has dark pixels only when glyphs were drawn
    const dark = (img: { pixels: Buffer; width: number }) => {
      const px = img.pixels; // a getter that copies the image: read it once
      let n = 0;
      for (let y = 8; y < 28; y++) for (let x = 18; x < 100; x++) if (px[(y * img.width + x) * 4] < 100) n++;
      return n;
    };
    expect(dark(withFont)).toBeGreaterThan(100);
    expect(dark(noFont)).toBe(0);
  });
});
