// `anomstack eval --batch B`: scores the batch's stored (replayed) history against labels and prints a
// (`anomstack eval --suite`: the repeated-incident suite instead, scripts/eval/suite.ts)
// table: NAB windows (the NAB score of the scores under NAB's three profiles, and of the stored alerts),
// point labels (precision / recall / F1 of the alerts), and the dashboard's thumbs up / down.
import fs from "node:fs";
import type { Command } from "commander";
import { evaluateFeedback, evaluatePoints, evaluateWindows, type EvalSeries, type PointEvaluation, type WindowEvaluation } from "../eval/evaluate.ts";
import { feedbackVerdicts, parsePointLabels, parseWindowLabels, type FeedbackRow } from "../eval/labels.ts";
import { withJobContext } from "../../f/anomstack/stages/run-stage.ts";
import { parseNow } from "../../f/anomstack/core/time.ts";
import { readEvalHistory } from "../eval/history.ts";
import { fmt, table } from "./output.ts";

export interface EvalOptions {
  windows?: string;
  labels?: string;
  labelColumn?: string;
  metric?: string;
  tolerance?: number;
  feedback?: boolean;
}

export interface EvalReport {
  batch: string;
  metrics: number;
  windows?: WindowEvaluation;
  points?: PointEvaluation;
  feedback?: ReturnType<typeof evaluateFeedback>;
}

/** Evaluate series against the label files named in `opts` (feedback: rows from the store). */
export function evaluate(batch: string, series: EvalSeries[], feedback: FeedbackRow[], opts: EvalOptions): EvalReport {
  const report: EvalReport = { batch, metrics: series.length };
  if (opts.windows) report.windows = evaluateWindows(series, parseWindowLabels(fs.readFileSync(opts.windows, "utf8")));
  if (opts.labels) {
    const labels = parsePointLabels(fs.readFileSync(opts.labels, "utf8"), { labelColumn: opts.labelColumn, metric: opts.metric });
    report.points = evaluatePoints(series, labels, opts.tolerance ?? 0);
  }
  if (opts.feedback || (!opts.windows && !opts.labels)) report.feedback = evaluateFeedback(series, feedbackVerdicts(feedback));
  return report;
}

const pct = (x: number) => (Number.isFinite(x) ? `${fmt(100 * x, 1)}%` : "-");

/** The report as text tables. */
export function formatReport(r: EvalReport): string {
  const out: string[] = [];
  if (r.windows) {
    const w = r.windows;
    out.push(
      `${r.batch}: NAB windows — ${w.metrics} metric(s), ${w.points} point(s), ${w.windows} window(s)${w.unmatched.length ? `; no metric for ${w.unmatched.length} label key(s): ${w.unmatched.slice(0, 3).join(", ")}${w.unmatched.length > 3 ? ", ..." : ""}` : ""}`,
    );
    out.push(
      table(
        ["NAB profile", "scores: NAB score", "threshold", "windows found", "false pos.", "alerts: NAB score", "windows found", "false pos."],
        w.scores.map((s, i) => {
          const a = w.alerts[i];
          return [s.profile, fmt(s.score, 2), fmt(s.threshold, 4), `${s.tp}/${s.tp + s.fn}`, s.fp, fmt(a.score, 2), `${a.tp}/${a.tp + a.fn}`, a.fp];
        }),
      ),
    );
    out.push(
      "scores: NAB's standard method (one threshold per profile over all metrics, maximising the score); alerts: the stored alerts as they are.",
    );
  }
  if (r.points) {
    const p = r.points;
    out.push(
      `${r.batch}: point labels — ${p.metrics} metric(s), ${p.points} point(s), ${p.labelled} labelled anomalous${p.tolerance ? `, tolerance ${p.tolerance} point(s)` : ""}`,
    );
    out.push(
      table(
        ["alerts", "right alerts", "labels caught", "precision", "recall", "F1"],
        [[p.alerts, p.true_alerts, `${p.caught}/${p.labelled}`, pct(p.precision), pct(p.recall), pct(p.f1)]],
      ),
    );
  }
  if (r.feedback) {
    const f = r.feedback;
    out.push(`${r.batch}: dashboard feedback on ${f.alerts} alert(s)`);
    out.push(table(["rated", "thumbs up", "thumbs down", "precision"], [[f.rated, f.up, f.down, pct(f.precision)]]));
  }
  return `${out.join("\n")}\n`;
}

function nonNegativeInt(v: string, name = "--tolerance"): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

export function evalCommand(program: Command): void {
  program
    .command("eval")
    .description("score the batch's stored (replayed) history against labels: NAB windows, point labels, thumbs up/down")
    .option("-b, --batch <name>", "metric batch (required unless --suite)")
    .option("--suite", "run the repeated-incident suite instead: synthetic series replayed with the shipped default (or --set)")
    .option("--seed <n>", "the suite's seed", (v: string) => nonNegativeInt(v, "--seed"))
    .option("--set <key=value...>", "with --suite: config overrides of the suite's batch, typed like ANOMSTACK__<BATCH>__<KEY>")
    .option("-w, --windows <file>", "NAB-style windows JSON ({metric: [[start, end], ...]}, e.g. NAB's combined_windows.json)")
    .option("-l, --labels <file>", "CSV of point labels: metric_timestamp (or timestamp), metric_name (or metric), label")
    .option("--label-column <name>", "label column of --labels (1/true = anomaly)", "label")
    .option("--metric <name>", "metric of every row of --labels when it has no metric column")
    .option("--tolerance <n>", "an alert up to n points after a labelled point still catches it", (v: string) => nonNegativeInt(v), 0)
    .option("--feedback", "the dashboard's thumbs up/down on alerts (the default when no label file is given)")
    .option("--now <iso>", "evaluate history up to this time (default: now)")
    .option("--json", "print the report as JSON")
    .action(async (opts: EvalOptions & { batch?: string; now?: string; json?: boolean; suite?: boolean; seed?: number; set?: string[] }) => {
      if (opts.suite) {
        // Loaded here: the suite pulls in the replay runner, which plain `eval --batch` does not need.
        const { formatSuite, runSuite } = await import("../eval/suite.ts");
        const r = await runSuite({ seed: opts.seed, set: opts.set });
        process.stdout.write(opts.json ? `${JSON.stringify(r, null, 2)}\n` : formatSuite(r));
        return;
      }
      if (!opts.batch) throw new Error("eval: --batch <name> is required (or --suite)");
      const batch = opts.batch;
      const report = await withJobContext(batch, { now: parseNow(opts.now) }, async (ctx) => {
        const { series, feedback } = await readEvalHistory(ctx);
        return evaluate(batch, series, feedback, opts);
      });
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    });
}
