// What Claude is asked in LLM alerts: the default detection and verification instructions, the
// series as a CSV table, and the one tool both steps answer with (structured output). Pure.
//nobundling

/** The structured answer of both steps: one entry per anomalous point. */
export interface AnomalyReport {
  /** The point's metric_timestamp exactly as given ("YYYY-MM-DD HH:MM:SS", UTC). */
  timestamp: string;
  value: number;
  explanation: string;
}

export const REPORT_TOOL_NAME = "report_anomalies";

/** The tool Claude must call (tool_choice forces it), so the answer is JSON of a known shape. */
export const REPORT_TOOL = {
  name: REPORT_TOOL_NAME,
  description: "Report the anomalous points of the time series; an empty list when there are none.",
  input_schema: {
    type: "object" as const,
    properties: {
      anomalies: {
        type: "array",
        items: {
          type: "object",
          properties: {
            timestamp: { type: "string", description: "The point's metric_timestamp exactly as given (YYYY-MM-DD HH:MM:SS)." },
            value: { type: "number", description: "The point's metric_value exactly as given." },
            explanation: { type: "string", description: "One or two sentences: why this point is anomalous." },
          },
          required: ["timestamp", "value", "explanation"],
        },
      },
    },
    required: ["anomalies"],
  },
};

export const DEFAULT_DETECTION_PROMPT =
  "You are an expert in anomaly detection for business and system metrics. You are given the recent values of one " +
  "metric. Find the points that are anomalous: sudden spikes or drops, level shifts, values far outside the usual " +
  "range or pattern, broken seasonality. Ordinary noise and gradual trends are not anomalies. Report each anomalous " +
  `point with its timestamp and value exactly as given and a short explanation, by calling ${REPORT_TOOL_NAME}; ` +
  "report an empty list when nothing is anomalous.";

export const DEFAULT_VERIFICATION_PROMPT =
  "You review candidate anomalies that a first analyst found in the recent values of one metric. Keep only the " +
  "candidates that are clearly anomalous given the whole series, and drop those that are normal variation: every " +
  "false alarm wakes someone up. Report the kept points with their timestamp and value exactly as given and a short " +
  `explanation, by calling ${REPORT_TOOL_NAME}; report an empty list when none is confirmed.`;

/** One prompted point. */
export interface PromptPoint {
  /** "YYYY-MM-DD HH:MM:SS" UTC, as the model sees it. */
  ts: string;
  timestamp: number;
  value: number;
}

/** The series as a small CSV table, oldest first. */
export function csvTable(points: readonly PromptPoint[]): string {
  return ["metric_timestamp,metric_value", ...points.map((p) => `${p.ts},${p.value}`)].join("\n");
}

/** The user message of the detection step. */
export function detectionText(metric: string, batch: string, points: readonly PromptPoint[], note: string, withPlot: boolean): string {
  return [
    `Metric: ${metric} (batch ${batch})`,
    `${points.length} points, oldest first, timestamps in UTC${note ? `; ${note}` : ""}.${withPlot ? " The attached image plots the same values (top) and the ML anomaly score (bottom)." : ""}`,
    "",
    csvTable(points),
  ].join("\n");
}

/** The user message of the verification step: the data again plus the candidates. */
export function verificationText(
  metric: string,
  batch: string,
  points: readonly PromptPoint[],
  note: string,
  withPlot: boolean,
  candidates: readonly AnomalyReport[],
): string {
  return [
    detectionText(metric, batch, points, note, withPlot),
    "",
    "Candidate anomalies from the detection step (JSON):",
    JSON.stringify(candidates, null, 1),
  ].join("\n");
}
