// The email channel against a real SMTP server started here (smtp-server): STARTTLS then AUTH, several
// recipients, subject and both parts parsed back with mailparser, the plot inline; rejected
// recipients, an unreachable server and a refused login give clear messages without the password.
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmailChannel, PLOT_CID } from "../../f/anomstack/alerts/email.ts";
import { alertNotice } from "../../f/anomstack/alerts/format.ts";
import type { EmailSettings } from "../../f/anomstack/alerts/channel-settings.ts";
import { renderAlertPlot } from "../../f/anomstack/charts/index.ts";
import { closedPort, startSmtp, type SmtpStandIn } from "./helpers/smtp.ts";
import { sampleAlert } from "./helpers/sample.ts";

const PASSWORD = "s3cret-app-password";
let smtp: SmtpStandIn;

beforeAll(async () => {
  smtp = await startSmtp({ user: "anomstack@example.com", password: PASSWORD, reject: ["gone@example.com"] });
});
afterAll(async () => {
  await smtp.close();
});

function settings(extra: Partial<EmailSettings> = {}): EmailSettings {
  return {
    from: "anomstack@example.com",
    to: ["ops@example.com", "data@example.com"],
    host: "127.0.0.1",
    port: smtp.port,
    security: "starttls",
    user: "anomstack@example.com",
    password: PASSWORD,
    ca: smtp.cert,
    failureTo: ["ops@example.com"],
    timeoutMs: 15_000,
    ...extra,
  };
}

describe("email channel", () => {
  it("sends over STARTTLS with login to several recipients: subject, HTML with the inline plot, text part", async () => {
    const png = renderAlertPlot(sampleAlert());
    const channel = createEmailChannel(settings());
    expect(channel.defaultDestination).toBe("ops@example.com, data@example.com");
    const receipt = await channel.send(alertNotice(sampleAlert(), png), channel.defaultDestination!);
    expect(receipt).toEqual({});
    expect(smtp.mails).toHaveLength(1);
    const got = smtp.mails[0];
    expect({ from: got.from, to: got.to, secure: got.secure, user: got.user }).toEqual({
      from: "anomstack@example.com",
      to: ["ops@example.com", "data@example.com"],
      secure: true,
      user: "anomstack@example.com",
    });
    const mail = await simpleParser(got.raw, { skipImageLinks: true });
    expect(mail.subject).toBe("🔥 [orders] looks anomalous (2026-03-01 12:00) 🔥");
    expect(mail.messageId).toBe("<anomaly.shop.orders.20260301T120000000Z@anomstack>");
    expect(mail.text).toContain("Metric:                   orders\nBatch:                    shop\n");
    expect(mail.text).toContain("     30 |           X\n");
    const html = String(mail.html);
    for (const s of [
      "Anomaly score (smoothed)",
      "0.93",
      "10 to 11 (values scored below 0.80 in the last 12 points)",
      "priority: high",
      `src="cid:${PLOT_CID}"`,
    ]) {
      expect(html).toContain(s);
    }
    expect(mail.attachments).toHaveLength(1);
    const att = mail.attachments[0];
    expect({ filename: att.filename, contentType: att.contentType, cid: att.cid, disposition: att.contentDisposition }).toEqual({
      filename: "orders_202603011200.png",
      contentType: "image/png",
      cid: PLOT_CID,
      disposition: "inline",
    });
    expect(Buffer.compare(att.content, Buffer.from(png))).toBe(0);
  });

  it("delivers to the accepted recipients and reports the rejected one", async () => {
    smtp.mails.length = 0;
    const receipt = await createEmailChannel(settings()).send(alertNotice(sampleAlert()), "ops@example.com, gone@example.com");
    expect(smtp.mails.map((m) => m.to)).toEqual([["ops@example.com"]]);
    expect(receipt).toEqual({
      warnings: [
        `SMTP 127.0.0.1:${smtp.port} rejected gone@example.com: 550 5.1.1 <gone@example.com>: mailbox unavailable; the other recipients got it`,
      ],
    });
  });

  it("fails clearly when every recipient is rejected", async () => {
    await expect(createEmailChannel(settings()).send(alertNotice(sampleAlert()), "gone@example.com")).rejects.toThrow(
      `SMTP 127.0.0.1:${smtp.port} rejected every recipient (gone@example.com): 550 5.1.1 <gone@example.com>: mailbox unavailable`,
    );
  });

  it("fails clearly when the server is unreachable", async () => {
    const port = await closedPort();
    await expect(createEmailChannel(settings({ port })).send(alertNotice(sampleAlert()), "ops@example.com")).rejects.toThrow(
      `SMTP 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it("never shows the password, even when the server echoes it in its refusal", async () => {
    const echo = await startSmtp({ user: "x", password: "y", authError: `bad credentials: ${PASSWORD}` });
    try {
      const err = await createEmailChannel(settings({ port: echo.port, ca: echo.cert }))
        .send(alertNotice(sampleAlert()), "ops@example.com")
        .catch((e: Error) => e);
      expect(String((err as Error).message)).toBe(`SMTP 127.0.0.1:${echo.port} refused the login of anomstack@example.com: 535 bad credentials: ***`);
    } finally {
      await echo.close();
    }
  });

  it("refuses to send without TLS when the server offers no STARTTLS (no plain-text password)", async () => {
    const plain = await startSmtp({ user: "anomstack@example.com", password: PASSWORD, noStartTls: true });
    try {
      await expect(createEmailChannel(settings({ port: plain.port })).send(alertNotice(sampleAlert()), "ops@example.com")).rejects.toThrow(
        `SMTP 127.0.0.1:${plain.port}: TLS failed`,
      );
      expect(plain.mails).toHaveLength(0);
    } finally {
      await plain.close();
    }
  });
});
