// The Slack channel: a Notice rendered as Block Kit (header, key fields, notes, tables as code blocks,
// tags) posted with chat.postMessage, then the plot uploaded to the same channel (files upload v2).
// Channels by name (looked up with conversations.list) or ID; rate limits are retried after Retry-After.
// Rendering is pure (slackMessage); createSlackChannel does the sending.
//nobundling
import type { WebClient, LogLevel, KnownBlock, Logger as SlackLogger } from "@slack/web-api";
import type { AlertChannel, Notice } from "./channel.ts";
import { ChannelUnreachableError, isUnreachable, PartialSendError } from "./channel.ts";
import { createRedactor } from "../core/redact.ts";
import type { SlackSettings } from "./channel-settings.ts";
import type { Logger } from "../core/log.ts";

/** A Block Kit block (the subset this channel writes). */
export type SlackBlock = Record<string, unknown>;

const MAX_SECTION = 2900; // Slack allows 3000 characters per section text
const MAX_FIELDS = 10;

/** Escape the three characters Slack's mrkdwn treats as markup. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Columns aligned with spaces, for a code block. */
function textTable(t: Notice["tables"][number]): string {
  const widths = t.columns.map((c, i) => Math.max(c.label.length, ...t.rows.map((r) => (r[i] ?? "").length)));
  const fmt = (cells: string[]) =>
    cells
      .map((v, i) => (t.columns[i]?.numeric ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [fmt(t.columns.map((c) => c.label)), ...(t.rows.length ? t.rows.map(fmt) : ["none"])].join("\n");
}

/** The message of a notice: fallback text (notifications, screen readers) and blocks. */
export function slackMessage(n: Notice): { text: string; blocks: SlackBlock[] } {
  const blocks: SlackBlock[] = [{ type: "header", text: { type: "plain_text", text: clip(n.title, 150), emoji: true } }];
  if (n.fields.length) {
    blocks.push({
      type: "section",
      fields: n.fields.slice(0, MAX_FIELDS).map((f) => ({ type: "mrkdwn", text: clip(`*${slackEscape(f.label)}*\n${slackEscape(f.value)}`, 2000) })),
    });
  }
  for (const note of n.notes) {
    const body = note.code ? `\`\`\`${slackEscape(note.lines.join("\n"))}\`\`\`` : note.lines.map((l) => `• ${slackEscape(l)}`).join("\n");
    blocks.push({ type: "section", text: { type: "mrkdwn", text: clip(`*${slackEscape(note.heading)}*\n${body}`, MAX_SECTION) } });
  }
  for (const t of n.tables) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: clip(`*${slackEscape(t.heading)}*\n\`\`\`${slackEscape(textTable(t))}\`\`\``, MAX_SECTION) },
    });
  }
  if (n.link) blocks.push({ type: "section", text: { type: "mrkdwn", text: `<${slackEscape(n.link.url)}|${slackEscape(n.link.label)}>` } });
  if (n.tags.length) {
    blocks.push({
      type: "context",
      elements: [{ type: "mrkdwn", text: clip(n.tags.map(([k, v]) => `\`${slackEscape(k)}: ${slackEscape(v)}\``).join("  "), 2000) }],
    });
  }
  const text = [n.title, ...n.fields.map((f) => `${f.label}: ${f.value}`)].join("\n");
  return { text, blocks };
}

/** True for a Slack conversation ID (C…, G…, D…) rather than a name. */
export function isSlackChannelId(s: string): boolean {
  return /^[CGD][A-Z0-9]{8,}$/.test(s);
}

interface PlatformError extends Error {
  code?: string;
  data?: { error?: string; needed?: string };
}

/** A readable reason for a Slack API failure, with what to do about the usual ones. */
function describeSlackError(e: PlatformError, what: string, channel: string): string {
  const code = e.data?.error;
  switch (code) {
    case "invalid_auth":
    case "not_authed":
    case "account_inactive":
    case "token_revoked":
      return `Slack ${what}: ${code}: the bot token (ANOMSTACK_SLACK_BOT_TOKEN) is invalid or revoked`;
    case "channel_not_found":
      return `Slack ${what}: channel_not_found: ${channel} does not exist or the bot cannot see it`;
    case "not_in_channel":
      return `Slack ${what}: not_in_channel: invite the bot to ${channel}`;
    case "missing_scope":
      return `Slack ${what}: missing_scope: the bot needs the scope ${e.data?.needed ?? "(unknown)"}`;
    case undefined:
      return `Slack ${what}: ${e.message}`;
    default:
      return `Slack ${what}: ${code}`;
  }
}

function slackLogger(log: Logger | undefined, redact: (s: string) => string): SlackLogger {
  const line = (msg: unknown[]) => redact(msg.map((m) => (typeof m === "string" ? m : JSON.stringify(m))).join(" "));
  let level = "warn" as LogLevel;
  return {
    debug: () => undefined,
    info: (...m: unknown[]) => log?.debug(`slack: ${line(m)}`),
    warn: (...m: unknown[]) => log?.warn(`slack: ${line(m)}`),
    error: (...m: unknown[]) => log?.error(`slack: ${line(m)}`),
    setLevel: (l: LogLevel) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** The Slack channel. `destination` is a channel name (#alerts or alerts) or ID (C0123ABCD). */
export function createSlackChannel(settings: SlackSettings, log?: Logger): AlertChannel {
  const redact = createRedactor([settings.token]);
  // The Slack SDK is loaded at the first send: most job runs send nothing, and it takes a while to load.
  let webClient: Promise<WebClient> | undefined;
  const slack = () =>
    (webClient ??= import("@slack/web-api").then(
      ({ WebClient, LogLevel }) =>
        new WebClient(settings.token, {
          slackApiUrl: settings.apiUrl,
          logger: slackLogger(log, redact),
          logLevel: LogLevel.WARN,
          retryConfig: { retries: settings.retries, factor: 2, minTimeout: settings.retryMinMs, maxTimeout: 60_000 },
          timeout: 30_000,
        }),
    ));
  const ids = new Map<string, string>();

  async function channelId(destination: string): Promise<string> {
    const name = destination.trim().replace(/^#/, "");
    if (isSlackChannelId(name)) return name;
    const known = ids.get(name);
    if (known) return known;
    let cursor: string | undefined;
    let seen = 0;
    do {
      const page = await (await slack()).conversations.list({ types: "public_channel,private_channel", exclude_archived: true, limit: 1000, cursor });
      for (const c of page.channels ?? []) {
        seen++;
        if (c.name && c.id) ids.set(c.name, c.id);
      }
      const id = ids.get(name);
      if (id) return id;
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    throw new Error(
      `Slack channel #${name} not found among the ${seen} channel(s) the bot can see (create it, or invite the bot; it needs channels:read and groups:read)`,
    );
  }

  return {
    name: "slack",
    defaultDestination: settings.channel,
    async send(notice, destination, state) {
      const shown = destination.startsWith("#") || isSlackChannelId(destination) ? destination : `#${destination}`;
      let id: string;
      try {
        id = await channelId(destination);
      } catch (e) {
        throw new Error(
          redact((e as PlatformError).data ? describeSlackError(e as PlatformError, "conversations.list", shown) : (e as Error).message),
        );
      }
      let ts = state?.message_ts;
      if (!ts) {
        try {
          const { text, blocks } = slackMessage(notice);
          const r = await (await slack()).chat.postMessage({
            channel: id,
            text,
            blocks: blocks as unknown as KnownBlock[],
            unfurl_links: false,
            unfurl_media: false,
          });
          ts = r.ts ?? "";
        } catch (e) {
          const message = redact(describeSlackError(e as PlatformError, "chat.postMessage", shown));
          throw isUnreachable(e) ? new ChannelUnreachableError(message) : new Error(message);
        }
      }
      if (notice.image) {
        try {
          await (await slack()).files.uploadV2({
            channel_id: id,
            file: Buffer.from(notice.image.png),
            filename: notice.image.filename,
            title: notice.image.alt,
          });
        } catch (e) {
          // The message is out: record its ts, so a retry uploads the plot without posting the message again.
          throw new PartialSendError(
            redact(`${describeSlackError(e as PlatformError, "files.uploadV2", shown)} (the message was posted; the plot was not)`),
            {
              message_ts: ts,
            },
          );
        }
      }
    },
  };
}
