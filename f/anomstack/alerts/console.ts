// The console channel: one readable line per new alert (and per summary or failure notice) on stdout
// or any writer. It receives every new alert whatever alert_methods says; used locally and in tests.
//nobundling
import type { AlertChannel } from "./channel.ts";

export function consoleChannel(write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): AlertChannel {
  return {
    name: "console",
    everyAlert: true,
    async send(notice) {
      write(notice.line);
    },
  };
}
