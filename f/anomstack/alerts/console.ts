// The console channel: one readable line per new alert (and per summary or failure notice) on stdout
// or any writer. It receives every new alert whatever alert_methods says; used locally and in tests.
import type { Alert, AlertChannel } from "./channel.ts";
import { alertLine } from "./format.ts";

/** Format an alert as one line: title, value, score and threshold. */
export function formatAlertLine(a: Alert): string {
  return alertLine(a);
}

export function consoleChannel(write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): AlertChannel {
  return {
    name: "console",
    everyAlert: true,
    async send(notice) {
      write(notice.line);
    },
  };
}
