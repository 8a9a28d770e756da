// Alert plots: an Alert (or a metric's plot-window series) drawn as SVG, then PNG. The channels attach
// the PNG; the plot job returns them to the Windmill run page; LLM alerts may send one to Claude.
//nobundling
import { formatMinute, type Alert } from "../alerts/channel.ts";
import { alertPlotSvg, type PlotInput } from "./alert-chart.ts";
import { svgToPng } from "./png.ts";

export { alertPlotSvg, timeTicks, MARKS, PLOT_WIDTH, type PlotInput } from "./alert-chart.ts";
export { svgToPng, plotFontFiles } from "./png.ts";

const KIND_LABEL: Record<Alert["kind"], string> = {
  anomaly: "anomaly alert",
  change: "change alert",
  threshold: "threshold alert",
  llm: "LLM alert",
};

/** What an alert's plot shows. */
export function plotInputFromAlert(alert: Alert): PlotInput {
  return {
    title: alert.metric,
    subtitle: `${alert.batch} · ${KIND_LABEL[alert.kind]} · ${formatMinute(alert.timestamp)} UTC · ${alert.series.length} points`,
    points: alert.series,
    scoreLabel: alert.scoreLabel,
    scoreThreshold: alert.scoreThreshold,
    bounds: alert.bounds,
    expected: alert.expected,
    highlight: alert.timestamp.getTime(),
  };
}

/** The alert's plot as a PNG (1280 pixels wide). */
export function renderAlertPlot(alert: Alert): Uint8Array {
  return svgToPng(alertPlotSvg(plotInputFromAlert(alert)));
}

/** A PNG of any plot input. */
export function renderPlot(input: PlotInput): Uint8Array {
  return svgToPng(alertPlotSvg(input));
}
