// Renders the pictures of docs/alerts.md and the README: an alert plot, the alert email (its HTML as a
// mail client shows it) and the Slack message (a mock of Slack's rendering of the same blocks).
// Dev-only: needs playwright-core and a Chromium (Debian: apt-get install chromium).
//   npx tsx scripts/docs/alert-images.ts [--chromium /usr/bin/chromium]
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import type { Alert, SeriesPoint } from "../../f/anomstack/alerts/channel.ts";
import { alertTitle } from "../../f/anomstack/alerts/channel.ts";
import { renderEmail, PLOT_CID } from "../../f/anomstack/alerts/email.ts";
import { expectedFromScores } from "../../f/anomstack/alerts/expected.ts";
import { alertNotice } from "../../f/anomstack/alerts/format.ts";
import { slackMessage, type SlackBlock } from "../../f/anomstack/alerts/slack.ts";
import { renderAlertPlot } from "../../f/anomstack/charts/index.ts";
import { smoothScores } from "../../f/anomstack/rules/alert-rule.ts";

const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../docs/img");
const CHROMIUM = process.argv.includes("--chromium") ? process.argv[process.argv.indexOf("--chromium") + 1] : "/usr/bin/chromium";

/** A day of 5-minute orders with a daily rhythm and noise, a level change mid-morning, a spike at the end. */
function sampleAlert(): Alert {
  const end = Date.UTC(2026, 2, 1, 14, 35);
  let seed = 11;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const n = 250;
  const values: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = end - (n - 1 - i) * 300_000;
    const hour = new Date(t).getUTCHours() + new Date(t).getUTCMinutes() / 60;
    const level = i > 150 ? 4 : 0;
    values.push(Math.round((42 + 9 * Math.sin(((hour - 9) / 24) * 2 * Math.PI) + level + (rnd() - 0.5) * 6) * 10) / 10);
    raw.push(i < 8 ? Number.NaN : Math.min(1, 0.18 + rnd() * 0.3 + (i >= 151 && i < 156 ? 0.35 : 0)));
  }
  // the spike, and the scores of the last points climbing to it
  [values[n - 2], values[n - 1]] = [57.0, 93.4];
  [raw[n - 4], raw[n - 3], raw[n - 2], raw[n - 1]] = [0.7, 0.85, 0.9, 0.99];
  const smooth = smoothScores(
    raw.filter((s) => !Number.isNaN(s)),
    3,
  );
  const series: SeriesPoint[] = values.map((value, i) => ({
    timestamp: end - (n - 1 - i) * 300_000,
    value,
    score: i < 8 ? null : smooth[i - 8],
    marks: i === n - 1 ? ["anomaly"] : i === 151 ? ["change"] : [],
  }));
  const at = new Date(end);
  return {
    kind: "anomaly",
    batch: "shop",
    metric: "orders_per_5min",
    timestamp: at,
    value: values[n - 1],
    score: series[n - 1].score as number,
    threshold: 0.8,
    title: alertTitle("anomaly", "orders_per_5min", at),
    tags: {
      metric_batch: "shop",
      metric_name: "orders_per_5min",
      metric_timestamp: "2026-03-01 14:35",
      alert_type: "anomaly",
      priority: "high",
      team: "checkout",
    },
    series,
    scoreLabel: "anomaly score (smoothed)",
    scoreThreshold: 0.8,
    expected: expectedFromScores(series, 3, 0.8, [end]),
  };
}

/** Slack's mrkdwn, just enough for our blocks. */
function mrkdwn(s: string): string {
  return s
    .replace(/```([\s\S]*?)```/g, (_, c) => `<pre>${c}</pre>`)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*([^*\n]+)\*/g, "<b>$1</b>")
    .replace(/&lt;(https?:[^|]+)\|([^&]+)&gt;/g, '<a href="$1">$2</a>')
    .replace(/\n/g, "<br>");
}

function slackBlocksHtml(blocks: SlackBlock[]): string {
  return blocks
    .map((b: any) => {
      if (b.type === "header") return `<div class="header">${b.text.text}</div>`;
      if (b.type === "section" && b.fields) return `<div class="fields">${b.fields.map((f: any) => `<div>${mrkdwn(f.text)}</div>`).join("")}</div>`;
      if (b.type === "section") return `<div class="section">${mrkdwn(b.text.text)}</div>`;
      if (b.type === "context") return `<div class="context">${b.elements.map((e: any) => mrkdwn(e.text)).join(" ")}</div>`;
      return "";
    })
    .join("");
}

const SLACK_CSS = `
body{margin:0;background:#fff;font-family:'Lato','DejaVu Sans',sans-serif;color:#1d1c1d;font-size:15px}
.channel{padding:14px 20px;border-bottom:1px solid #e8e8e8;font-weight:900;font-size:18px}
.msg{display:flex;gap:10px;padding:10px 20px}
.avatar{width:38px;height:38px;border-radius:6px;background:#dc2626;color:#fff;font-weight:900;display:flex;align-items:center;justify-content:center;flex:none}
.meta b{font-weight:900}.badge{font-size:10px;background:#e8e8e8;color:#616061;padding:1px 4px;border-radius:3px;margin:0 6px;font-weight:700}.time{color:#616061;font-size:12px}
.header{font-weight:900;font-size:18px;margin:6px 0 8px}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:10px 24px;margin:4px 0 10px;max-width:560px}
.section{margin:6px 0}.context{color:#616061;font-size:13px;margin-top:6px}
code{font-family:'DejaVu Sans Mono',monospace;font-size:12px;color:#c01343;background:#f8f8f8;border:1px solid #e8e8e8;border-radius:3px;padding:1px 4px}
pre{font-family:'DejaVu Sans Mono',monospace;font-size:12px;background:#f8f8f8;border:1px solid #e8e8e8;border-radius:4px;padding:8px}
.file{margin-top:6px;border:1px solid #e8e8e8;border-radius:8px;overflow:hidden;max-width:560px}.file img{display:block;width:100%}
.filename{font-size:13px;color:#616061;margin:4px 0}`;

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const alert = sampleAlert();
  const png = renderAlertPlot(alert);
  fs.writeFileSync(path.join(OUT, "alert-plot.png"), png);
  const notice = alertNotice(alert, png);
  const dataUrl = `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
  const emailHtml = renderEmail(notice).html.replace(`cid:${PLOT_CID}`, dataUrl);
  const { blocks } = slackMessage(notice);
  const slackHtml = `<!doctype html><html><head><meta charset="utf-8"><style>${SLACK_CSS}</style></head><body>
<div class="channel"># alerts</div>
<div class="msg"><div class="avatar">A</div><div><div class="meta"><b>Anomstack</b><span class="badge">APP</span><span class="time">2:35 PM</span></div>
${slackBlocksHtml(blocks)}
<div class="filename">${notice.image?.filename}</div><div class="file"><img src="${dataUrl}"></div></div></div></body></html>`;

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    for (const [name, html, width] of [
      ["alert-email.png", emailHtml, 720],
      ["alert-slack.png", slackHtml, 780],
    ] as const) {
      const page = await browser.newPage({ viewport: { width, height: 600 }, deviceScaleFactor: 1.5 });
      await page.setContent(html, { waitUntil: "load" });
      await page.screenshot({ path: path.join(OUT, name), fullPage: true });
      await page.close();
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(`wrote ${["alert-plot.png", "alert-email.png", "alert-slack.png"].map((f) => path.join("docs/img", f)).join(", ")}\n`);
}

await main();
