// The configured channels, built from the resolved settings, and the sending of notices that are not
// alerts (the daily summary, failure notices) to every configured channel's destination.
//nobundling
import type { AlertChannel, Notice } from "./channel.ts";
import { consoleChannel } from "./console.ts";
import { createEmailChannel } from "./email.ts";
import { createSlackChannel } from "./slack.ts";
import type { ChannelSettings } from "./channel-settings.ts";
import { errorMessage } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";

/** Console (always), then email and Slack when configured. */
export function createChannels(settings: ChannelSettings, log?: Logger, opts: { console?: boolean } = {}): AlertChannel[] {
  const channels: AlertChannel[] = [];
  if (opts.console !== false) channels.push(consoleChannel());
  if (settings.email) channels.push(createEmailChannel(settings.email));
  if (settings.slack) channels.push(createSlackChannel(settings.slack, log));
  return channels;
}

/** Where a summary or failure notice goes on each channel. */
export type NoticeAudience = "summary" | "failure";

/** The destination of `audience` on channel `c`: failure notices may have their own recipients / channel. */
export function audienceDestination(c: AlertChannel, settings: ChannelSettings, audience: NoticeAudience): string | undefined {
  if (audience === "failure") {
    if (c.name === "email" && settings.email) return settings.email.failureTo.join(", ");
    if (c.name === "slack" && settings.slack) return settings.slack.failureChannel;
  }
  return c.defaultDestination;
}

export interface NoticeDelivery {
  sent: { channel: string; to: string }[];
  failed: { channel: string; to: string; error: string }[];
}

/**
 * Send a notice to every channel (console included), each to its destination for `audience`. One
 * channel failing never stops the others; failures are logged and returned (channels redact secrets).
 */
export async function sendNotice(
  notice: Notice,
  channels: readonly AlertChannel[],
  settings: ChannelSettings,
  audience: NoticeAudience,
  log: Logger,
): Promise<NoticeDelivery> {
  const out: NoticeDelivery = { sent: [], failed: [] };
  for (const c of channels) {
    if (c.everyAlert) {
      await c.send(notice, "").catch((e) => log.warn(`${c.name}: ${errorMessage(e)}`));
      continue;
    }
    const to = audienceDestination(c, settings, audience);
    if (!to) {
      const error = `${c.name} has no default destination (set ${c.name === "slack" ? "ANOMSTACK_SLACK_CHANNEL" : "its recipients"})`;
      log.error(`${notice.title}: not sent by ${c.name}: ${error}`);
      out.failed.push({ channel: c.name, to: "", error });
      continue;
    }
    try {
      await c.send(notice, to);
      out.sent.push({ channel: c.name, to });
      log.info(`${notice.title}: sent by ${c.name} to ${to}`);
    } catch (e) {
      const error = settings.redact(errorMessage(e));
      log.error(`${notice.title}: not sent by ${c.name} to ${to}: ${error}`);
      out.failed.push({ channel: c.name, to, error });
    }
  }
  return out;
}
