// LLM anomaly detection of one metric (as the original intends): prepare the prompt series (rolling
// mean, rounding, newest N points), ask a detect step, then a verify step that sees the candidates, and
// keep the verified anomalies that match a prompted point. No I/O besides the client.
//nobundling
import { roundTo } from "../store/metric-row.ts";
import type { LlmClient } from "./client.ts";
import {
  DEFAULT_DETECTION_PROMPT,
  DEFAULT_VERIFICATION_PROMPT,
  detectionText,
  verificationText,
  type AnomalyReport,
  type PromptPoint,
} from "./prompts.ts";
import { secondTimestamp } from "../core/time.ts";

export interface PromptOptions {
  /** Rolling mean over this many points (`llmalert_smooth_n`; 0 or 1 = none); the first n-1 points drop out. */
  smooth_n: number;
  /** Decimals (`llmalert_metric_rounding`; negative = none). */
  rounding: number;
  /** Newest points kept (`llmalert_prompt_max_n`). */
  max_n: number;
}

/**
 * The series the model sees, oldest first.
 * @example preparePrompt([{timestamp: 0, value: 1}, {timestamp: 60000, value: 2}, {timestamp: 120000, value: 4}], { smooth_n: 2, rounding: 1, max_n: 10 })
 * // => [{ ts: "1970-01-01 00:01:00", timestamp: 60000, value: 1.5 }, { ts: "1970-01-01 00:02:00", timestamp: 120000, value: 3 }]
 */
export function preparePrompt(points: readonly { timestamp: number; value: number }[], o: PromptOptions): PromptPoint[] {
  const clean = points.filter((p) => Number.isFinite(p.value) && Number.isFinite(p.timestamp)).sort((a, b) => a.timestamp - b.timestamp);
  const n = Math.max(1, o.smooth_n);
  const out: PromptPoint[] = [];
  for (let i = n - 1; i < clean.length; i++) {
    let sum = 0;
    for (let j = i - n + 1; j <= i; j++) sum += clean[j].value;
    const v = o.rounding >= 0 ? roundTo(sum / n, o.rounding) : sum / n;
    out.push({ ts: secondTimestamp(clean[i].timestamp), timestamp: clean[i].timestamp, value: v });
  }
  return out.slice(-o.max_n);
}

/** A short description of how the values were transformed, for the prompt. */
export function promptNote(o: PromptOptions): string {
  const parts: string[] = [];
  if (o.smooth_n > 1) parts.push(`values are a rolling mean of ${o.smooth_n} points`);
  if (o.rounding >= 0) parts.push(`rounded to ${o.rounding} decimal(s)`);
  return parts.join(", ");
}

/** Epoch ms of a timestamp the model wrote ("YYYY-MM-DD HH:MM[:SS]", a T, a Z), or NaN. */
export function parseReportedTimestamp(s: string): number {
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d(?::\d\d)?)(?:\.\d+)?\s*(?:Z|UTC|\+00:?00)?$/.exec(s.trim());
  if (!m) return Number.NaN;
  return Date.parse(`${m[1]}T${m[2].length === 5 ? `${m[2]}:00` : m[2]}Z`);
}

/** A confirmed anomaly at a prompted point. */
export interface ConfirmedAnomaly {
  timestamp: number;
  /** The prompted value at that point. */
  value: number;
  explanation: string;
}

export interface DetectionResult {
  detected: number;
  confirmed: ConfirmedAnomaly[];
  /** Reported points that are not in the series (or not among the candidates), ignored. */
  ignored: string[];
}

/** Keep the reports that name a prompted point (once each), mapped to it. */
function matchPoints(reports: readonly AnomalyReport[], byTs: Map<number, PromptPoint>, ignored: string[]): Map<number, AnomalyReport> {
  const out = new Map<number, AnomalyReport>();
  for (const r of reports) {
    const t = parseReportedTimestamp(r.timestamp);
    if (!byTs.has(t)) ignored.push(`${r.timestamp} is not a point of the series`);
    else if (!out.has(t)) out.set(t, r);
  }
  return out;
}

/** Ask the detect step, then (when it found anything) the verify step; return the verified anomalies. */
export async function detectAndVerify(
  client: LlmClient,
  q: {
    metric: string;
    batch: string;
    points: readonly PromptPoint[];
    note: string;
    image?: Uint8Array;
    detectionPrompt?: string;
    verificationPrompt?: string;
  },
): Promise<DetectionResult> {
  const byTs = new Map(q.points.map((p) => [p.timestamp, p]));
  const ignored: string[] = [];
  const withPlot = q.image !== undefined;
  const candidates = matchPoints(
    await client.report({
      step: "detect",
      system: q.detectionPrompt ?? DEFAULT_DETECTION_PROMPT,
      text: detectionText(q.metric, q.batch, q.points, q.note, withPlot),
      image: q.image,
    }),
    byTs,
    ignored,
  );
  if (candidates.size === 0) return { detected: 0, confirmed: [], ignored };
  const verified = matchPoints(
    await client.report({
      step: "verify",
      system: q.verificationPrompt ?? DEFAULT_VERIFICATION_PROMPT,
      text: verificationText(q.metric, q.batch, q.points, q.note, withPlot, [...candidates.values()]),
      image: q.image,
    }),
    byTs,
    ignored,
  );
  const confirmed: ConfirmedAnomaly[] = [];
  for (const [t, r] of verified) {
    if (!candidates.has(t)) {
      ignored.push(`${r.timestamp} was not a candidate of the detect step`);
      continue;
    }
    confirmed.push({
      timestamp: t,
      value: (byTs.get(t) as PromptPoint).value,
      explanation: r.explanation || (candidates.get(t) as AnomalyReport).explanation,
    });
  }
  confirmed.sort((a, b) => a.timestamp - b.timestamp);
  return { detected: candidates.size, confirmed, ignored };
}
