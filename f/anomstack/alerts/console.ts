// The console channel: one readable line per alert on stdout (or any writer), used locally and in tests.
import type { Alert, AlertChannel } from "./channel.ts";

/** Format an alert as one line: title, value, score and threshold. */
export function formatAlertLine(a: Alert): string {
  const parts = [`${a.title}`, `batch=${a.batch}`, `value=${a.value}`];
  if (a.score !== undefined) parts.push(`score=${round(a.score)}`);
  if (a.threshold !== undefined) parts.push(`threshold=${a.threshold}`);
  return parts.join("  ");
}

function round(x: number): string {
  return Number.isFinite(x) ? String(Math.round(x * 1000) / 1000) : String(x);
}

export function consoleChannel(write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): AlertChannel {
  return {
    name: "console",
    async send(alert) {
      write(formatAlertLine(alert));
    },
  };
}
