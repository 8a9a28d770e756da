// The Slack channel with the real @slack/web-api client against a local stand-in that records every
// request: the channel looked up by name (paginated) or used by ID, the message with blocks, the plot
// uploaded with files upload v2, rate limits retried, and clear errors that never show the token.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PartialSendError } from "../../f/anomstack/alerts/channel.ts";
import { alertNotice } from "../../f/anomstack/alerts/format.ts";
import { createSlackChannel, slackMessage } from "../../f/anomstack/alerts/slack.ts";
import type { SlackSettings } from "../../f/anomstack/alerts/channel-settings.ts";
import { renderAlertPlot } from "../../f/anomstack/charts/index.ts";
import { slackCalls, startSlack, type StandIn } from "./helpers/http-standin.ts";
import { sampleAlert } from "./helpers/sample.ts";

const TOKEN = "xoxb-1111-2222-test-token";
let slack: StandIn;

beforeEach(async () => {
  slack = await startSlack();
});
afterEach(async () => {
  await slack.close();
});

function settings(extra: Partial<SlackSettings> = {}): SlackSettings {
  return { token: TOKEN, channel: "#alerts", failureChannel: "#alerts", apiUrl: `${slack.url}/api/`, retries: 2, retryMinMs: 10, ...extra };
}

describe("slack channel", () => {
  it("finds the channel by name, posts the blocks, then uploads the plot (files upload v2)", async () => {
    const png = renderAlertPlot(sampleAlert());
    const notice = alertNotice(sampleAlert(), png);
    await createSlackChannel(settings()).send(notice, "#alerts");
    expect(slackCalls(slack)).toEqual([
      "conversations.list",
      "conversations.list",
      "chat.postMessage",
      "files.getUploadURLExternal",
      "(upload)",
      "files.completeUploadExternal",
    ]);
    expect(slack.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    const [list1, list2, post, getUrl, upload, complete] = slack.requests;
    expect(list1.form).toEqual({ types: "public_channel,private_channel", exclude_archived: "true", limit: "1000" });
    expect(list2.form).toEqual({ types: "public_channel,private_channel", exclude_archived: "true", limit: "1000", cursor: "page2" });
    const { text, blocks } = slackMessage(notice);
    expect(post.form).toEqual({ channel: "C0000000002", text, blocks: JSON.stringify(blocks), unfurl_links: "false", unfurl_media: "false" });
    expect(getUrl.form).toEqual({ filename: "orders_202603011200.png", length: String(png.length) });
    expect(String(upload.headers["content-type"])).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload.raw.includes(Buffer.from(png))).toBe(true);
    expect(complete.form).toEqual({ files: JSON.stringify([{ id: "F0001", title: "Plot of orders" }]), channel_id: "C0000000002" });
  });

  it("remembers channel IDs, and uses an ID without looking it up", async () => {
    const channel = createSlackChannel(settings());
    const notice = alertNotice(sampleAlert());
    await channel.send(notice, "alerts");
    await channel.send(notice, "#alerts");
    await channel.send(notice, "C0999999999");
    expect(slackCalls(slack)).toEqual(["conversations.list", "conversations.list", "chat.postMessage", "chat.postMessage", "chat.postMessage"]);
    expect(slack.requests.filter((r) => r.path === "/api/chat.postMessage").map((r) => r.form?.channel)).toEqual([
      "C0000000002",
      "C0000000002",
      "C0999999999",
    ]);
  });

  it("waits out a rate limit (429 + Retry-After) and sends once", async () => {
    slack.handlers.set("/api/chat.postMessage", (r, n) =>
      n === 1
        ? { status: 429, headers: { "retry-after": "0" }, body: { ok: false, error: "ratelimited" } }
        : { body: { ok: true, channel: r.form?.channel, ts: "1700000000.000009" } },
    );
    await createSlackChannel(settings()).send(alertNotice(sampleAlert()), "C0000000002");
    expect(slackCalls(slack)).toEqual(["chat.postMessage", "chat.postMessage"]);
  });

  it("says which channel does not exist", async () => {
    await expect(createSlackChannel(settings()).send(alertNotice(sampleAlert()), "#nope")).rejects.toThrow(
      "Slack channel #nope not found among the 2 channel(s) the bot can see (create it, or invite the bot; it needs channels:read and groups:read)",
    );
    slack.handlers.set("/api/chat.postMessage", () => ({ body: { ok: false, error: "channel_not_found" } }));
    await expect(createSlackChannel(settings()).send(alertNotice(sampleAlert()), "C0123456789")).rejects.toThrow(
      "Slack chat.postMessage: channel_not_found: C0123456789 does not exist or the bot cannot see it",
    );
  });

  it("names the token variable, never the token, when it is refused", async () => {
    slack.handlers.set("/api/conversations.list", () => ({ body: { ok: false, error: "invalid_auth" } }));
    const err = (await createSlackChannel(settings())
      .send(alertNotice(sampleAlert()), "#alerts")
      .catch((e) => e)) as Error;
    expect(err.message).toBe("Slack conversations.list: invalid_auth: the bot token (ANOMSTACK_SLACK_BOT_TOKEN) is invalid or revoked");
    expect(JSON.stringify({ m: err.message, s: err.stack })).not.toContain(TOKEN);
  });

  it("records a posted message when the upload fails, so the retry uploads the plot only", async () => {
    slack.handlers.set("/api/files.getUploadURLExternal", (_r, n) =>
      n === 1
        ? { body: { ok: false, error: "missing_scope", needed: "files:write" } }
        : { body: { ok: true, upload_url: `${slack.url}/upload/F0001`, file_id: "F0001" } },
    );
    const channel = createSlackChannel(settings());
    const notice = alertNotice(sampleAlert(), renderAlertPlot(sampleAlert()));
    const err = await channel.send(notice, "C0000000002").catch((e) => e);
    expect(err).toBeInstanceOf(PartialSendError);
    expect((err as PartialSendError).message).toBe(
      "Slack files.uploadV2: missing_scope: the bot needs the scope files:write (the message was posted; the plot was not)",
    );
    expect((err as PartialSendError).state).toEqual({ message_ts: "1700000000.000001" });
    slack.requests.length = 0;
    await channel.send(notice, "C0000000002", (err as PartialSendError).state);
    expect(slackCalls(slack)).toEqual(["files.getUploadURLExternal", "(upload)", "files.completeUploadExternal"]);
  });
});
