// Windmill runs the scripts on Bun: the plot (resvg), nodemailer, @slack/web-api and @anthropic-ai/sdk
// must work there too. A Bun process renders a plot and sends it through each channel to the servers
// this test runs.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_DIR } from "../helpers/workspace.ts";
import { slackCalls, startSlack, startStandIn, toolReply, type StandIn } from "./helpers/http-standin.ts";
import { startSmtp, type SmtpStandIn } from "./helpers/smtp.ts";

const BUN = path.join(REPO_DIR, "node_modules/.bin/bun");
let smtp: SmtpStandIn;
let slack: StandIn;
let claude: StandIn;

beforeAll(async () => {
  smtp = await startSmtp({ user: "a@example.com", password: "bun-pass" });
  slack = await startSlack();
  claude = await startStandIn({ "/v1/messages": () => toolReply([]) });
});
afterAll(async () => {
  await Promise.all([smtp.close(), slack.close(), claude.close()]);
});

describe("alert channels under Bun", () => {
  it("render the plot and send by email, Slack and to Claude", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-bun-"));
    const script = path.join(dir, "channels.ts");
    const f = (p: string) => JSON.stringify(path.join(REPO_DIR, p));
    fs.writeFileSync(
      script,
      `import { createEmailChannel } from ${f("f/anomstack/alerts/email.ts")};
       import { createSlackChannel } from ${f("f/anomstack/alerts/slack.ts")};
       import { alertNotice } from ${f("f/anomstack/alerts/format.ts")};
       import { renderAlertPlot } from ${f("f/anomstack/charts/index.ts")};
       import { createClaudeClient } from ${f("f/anomstack/llm/client.ts")};
       import { sampleAlert } from ${f("tests/alerts/helpers/sample.ts")};
       const png = renderAlertPlot(sampleAlert());
       const notice = alertNotice(sampleAlert(), png);
       await createEmailChannel({ from: "a@example.com", to: ["ops@example.com"], host: "127.0.0.1", port: ${smtp.port}, security: "starttls",
         user: "a@example.com", password: "bun-pass", ca: ${JSON.stringify(smtp.cert)}, failureTo: [] }).send(notice, "ops@example.com");
       await createSlackChannel({ token: "xoxb-bun", apiUrl: "${slack.url}/api/", retries: 0, retryMinMs: 10 }).send(notice, "C0000000002");
       const found = await createClaudeClient({ apiKey: "sk-ant-bun", baseUrl: "${claude.url}", timeoutMs: 5000, maxAttempts: 1, retryMinMs: 10 }, "claude-sonnet-5-5")
         .report({ step: "detect", system: "s", text: "t", image: png });
       console.log(JSON.stringify({ runtime: typeof Bun === "undefined" ? "node" : "bun", png: png.length, found }));`,
    );
    // asynchronously: the servers answering Bun run in this process
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(BUN, [script], { cwd: REPO_DIR, encoding: "utf8", timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    expect(out.runtime).toBe("bun");
    expect(out.png).toBeGreaterThan(10_000);
    expect(out.found).toEqual([]);
    expect(smtp.mails.map((m) => [m.to, m.secure])).toEqual([[["ops@example.com"], true]]);
    expect(slackCalls(slack)).toEqual(["chat.postMessage", "files.getUploadURLExternal", "(upload)", "files.completeUploadExternal"]);
    expect(claude.requests.map((q) => q.json.messages[0].content[0].type)).toEqual(["image"]);
  });
});
