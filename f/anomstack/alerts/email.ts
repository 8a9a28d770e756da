// The email channel: a Notice rendered as HTML (fields, explanation, inline plot, tags) plus a plain-text
// part (with an ASCII chart), sent with nodemailer over SMTP with STARTTLS (or implicit TLS) to one or
// more recipients. Rendering is pure (renderEmail); createEmailChannel does the sending.
//nobundling
import type { Transporter } from "nodemailer";
import { ChannelUnreachableError, isUnreachable, type AlertChannel, type Notice, type SendReceipt } from "./channel.ts";
import { createRedactor } from "../core/redact.ts";
import { splitAddresses, type EmailSettings } from "./channel-settings.ts";

/** Content-ID of the inline plot (`<img src="cid:...">`). */
export const PLOT_CID = "plot@anomstack";

const ACCENT: Record<Notice["tone"], string> = { alert: "#dc2626", warning: "#d97706", info: "#2563eb", error: "#b91c1c" };
const FONT = "-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,'DejaVu Sans',sans-serif";
const MONO = "'SFMono-Regular',Menlo,Consolas,'DejaVu Sans Mono',monospace";

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The email of a notice: subject, HTML body (the plot referenced as cid:plot@anomstack) and text body. */
export function renderEmail(n: Notice): { subject: string; html: string; text: string } {
  return { subject: n.title, html: renderHtml(n), text: renderText(n) };
}

function renderHtml(n: Notice): string {
  const rows: string[] = [];
  const cell = (inner: string, pad = "8px 28px") => `<tr><td style="padding:${pad};">${inner}</td></tr>`;
  rows.push(cell(`<div style="font-size:19px;font-weight:700;line-height:1.35;color:#111827;">${esc(n.title)}</div>`, "22px 28px 10px"));
  if (n.fields.length) {
    const fieldRows = n.fields
      .map(
        (f) =>
          `<tr><td style="padding:7px 12px 7px 0;border-bottom:1px solid #f0f1f3;color:#6b7280;font-size:13px;white-space:nowrap;vertical-align:top;width:34%;">${esc(f.label)}</td>` +
          `<td style="padding:7px 0;border-bottom:1px solid #f0f1f3;color:#111827;font-size:14px;font-weight:600;vertical-align:top;">${esc(f.value)}</td></tr>`,
      )
      .join("");
    rows.push(cell(`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;">${fieldRows}</table>`));
  }
  for (const note of n.notes) {
    const body = note.code
      ? `<pre style="margin:6px 0 0;padding:12px;background:#f9fafb;border:1px solid #e5e7eb;border-radius:6px;font-family:${MONO};font-size:12px;line-height:1.45;white-space:pre-wrap;word-break:break-word;color:#111827;">${esc(note.lines.join("\n"))}</pre>`
      : `<ul style="margin:6px 0 0;padding-left:18px;color:#111827;font-size:14px;line-height:1.5;">${note.lines.map((l) => `<li style="margin:0 0 4px;">${esc(l)}</li>`).join("")}</ul>`;
    rows.push(cell(`<div style="font-size:13px;font-weight:700;color:#374151;">${esc(note.heading)}</div>${body}`));
  }
  if (n.image) {
    rows.push(
      cell(
        `<img src="cid:${PLOT_CID}" width="584" alt="${esc(n.image.alt)}" style="display:block;width:100%;max-width:584px;height:auto;border:1px solid #eef0f3;border-radius:6px;">`,
        "12px 28px",
      ),
    );
  }
  for (const t of n.tables) {
    const head = t.columns
      .map(
        (c) =>
          `<th style="padding:6px 8px;border-bottom:2px solid #e5e7eb;font-size:12px;color:#6b7280;text-align:${c.numeric ? "right" : "left"};font-weight:600;">${esc(c.label)}</th>`,
      )
      .join("");
    const body = t.rows.length
      ? t.rows
          .map(
            (r) =>
              `<tr>${r
                .map(
                  (v, i) =>
                    `<td style="padding:6px 8px;border-bottom:1px solid #f0f1f3;font-size:13px;color:#111827;text-align:${t.columns[i]?.numeric ? "right" : "left"};">${esc(v)}</td>`,
                )
                .join("")}</tr>`,
          )
          .join("")
      : `<tr><td colspan="${t.columns.length}" style="padding:6px 8px;font-size:13px;color:#6b7280;">none</td></tr>`;
    rows.push(
      cell(
        `<div style="font-size:13px;font-weight:700;color:#374151;margin-bottom:4px;">${esc(t.heading)}</div>` +
          `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`,
      ),
    );
  }
  if (n.tags.length) {
    const chips = n.tags
      .map(
        ([k, v]) =>
          `<span style="display:inline-block;margin:0 6px 6px 0;padding:3px 10px;border-radius:12px;background:#eef2ff;color:#3730a3;font-size:12px;">${esc(k)}: ${esc(v)}</span>`,
      )
      .join("");
    rows.push(cell(`<div style="font-size:13px;font-weight:700;color:#374151;margin-bottom:6px;">Tags</div>${chips}`));
  }
  if (n.link) {
    rows.push(
      cell(
        `<a href="${esc(n.link.url)}" style="display:inline-block;padding:9px 16px;border-radius:6px;background:#111827;color:#ffffff;text-decoration:none;font-size:14px;font-weight:600;">${esc(n.link.label)}</a>`,
        "12px 28px",
      ),
    );
  }
  rows.push(cell(`<div style="color:#9ca3af;font-size:12px;">Sent by Anomstack for Windmill</div>`, "14px 28px 22px"));
  return (
    `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(n.title)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f3f4f6;">` +
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;"><tr><td align="center" style="padding:24px 10px;">` +
    `<table role="presentation" width="640" cellpadding="0" cellspacing="0" style="width:100%;max-width:640px;background:#ffffff;border-radius:8px;border-top:4px solid ${ACCENT[n.tone]};font-family:${FONT};">` +
    rows.join("") +
    `</table></td></tr></table></body></html>`
  );
}

function renderText(n: Notice): string {
  const out: string[] = [n.title, "=".repeat(Math.min(72, [...n.title].length)), ""];
  const width = Math.max(0, ...n.fields.map((f) => f.label.length));
  for (const f of n.fields) out.push(`${`${f.label}:`.padEnd(width + 2)}${f.value}`);
  for (const note of n.notes) {
    out.push("", `${note.heading}:`, ...note.lines.map((l) => (note.code ? `    ${l}` : `  - ${l}`)));
  }
  for (const t of n.tables) {
    out.push("", `${t.heading}:`);
    const widths = t.columns.map((c, i) => Math.max(c.label.length, ...t.rows.map((r) => (r[i] ?? "").length)));
    const fmt = (cells: string[]) =>
      `  ${cells.map((v, i) => (t.columns[i]?.numeric ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join("  ")}`.trimEnd();
    out.push(fmt(t.columns.map((c) => c.label)), fmt(widths.map((w) => "-".repeat(w))), ...(t.rows.length ? t.rows.map(fmt) : ["  none"]));
  }
  if (n.sparkline?.length) out.push("", "Recent values (X = alert):", ...n.sparkline);
  if (n.tags.length) out.push("", `Tags: ${n.tags.map(([k, v]) => `${k}=${v}`).join(", ")}`);
  if (n.link) out.push("", `${n.link.label}: ${n.link.url}`);
  out.push("", "-- ", "Sent by Anomstack for Windmill");
  return `${out.join("\n")}\n`;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  rejected?: string[];
  rejectedErrors?: { recipient?: string; response?: string; message: string }[];
}

/** A one-line reason for an SMTP failure, naming the server (never the password). */
function describeSmtpError(e: SmtpError, s: EmailSettings): string {
  const where = `SMTP ${s.host}:${s.port}`;
  if (e.code === "EENVELOPE" && e.rejected?.length) {
    const why = e.rejectedErrors?.map((r) => r.response ?? r.message).find(Boolean);
    return `${where} rejected every recipient (${e.rejected.join(", ")})${why ? `: ${why}` : ""}`;
  }
  if (e.code === "EAUTH") return `${where} refused the login of ${s.user}: ${e.response ?? e.message}`;
  if (e.code === "ETLS" || /STARTTLS/i.test(e.message)) return `${where}: TLS failed: ${e.message}`;
  return `${where}: ${e.message}`;
}

/** The email channel. `destination` is a comma-separated recipient list (default: the configured TO). */
export function createEmailChannel(settings: EmailSettings): AlertChannel {
  const redact = createRedactor([settings.password]);
  // nodemailer is loaded at the first send: most job runs send nothing.
  let transporter: Promise<Transporter> | undefined;
  const smtp = () =>
    (transporter ??= import("nodemailer").then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        host: settings.host,
        port: settings.port,
        secure: settings.security === "tls",
        requireTLS: settings.security === "starttls",
        ignoreTLS: settings.security === "none",
        auth: settings.password ? { user: settings.user, pass: settings.password } : undefined,
        tls: { minVersion: "TLSv1.2", ...(settings.ca ? { ca: settings.ca } : {}) },
        connectionTimeout: settings.timeoutMs,
        greetingTimeout: settings.timeoutMs,
        socketTimeout: 2 * settings.timeoutMs,
        logger: false,
        debug: false,
      }),
    ));
  return {
    name: "email",
    defaultDestination: settings.to.join(", "),
    async send(notice, destination): Promise<SendReceipt> {
      const to = splitAddresses(destination);
      if (to.length === 0) throw new Error("no email recipients (set ANOMSTACK_ALERT_EMAIL_TO or an alert route's email_to)");
      const { subject, html, text } = renderEmail(notice);
      let info: { rejected?: unknown[]; rejectedErrors?: { recipient?: string; response?: string; message: string }[] };
      try {
        info = await (await smtp()).sendMail({
          from: settings.from,
          to,
          subject,
          text,
          html,
          messageId: notice.id ? `<${notice.id}@anomstack>` : undefined,
          attachments: notice.image
            ? [{ filename: notice.image.filename, content: Buffer.from(notice.image.png), contentType: "image/png", cid: PLOT_CID }]
            : [],
        });
      } catch (e) {
        const message = redact(describeSmtpError(e as SmtpError, settings));
        throw isUnreachable(e) ? new ChannelUnreachableError(message) : new Error(message);
      }
      const rejected = (info.rejected ?? []).map(String);
      if (rejected.length === 0) return {};
      const why = info.rejectedErrors?.map((r) => r.response ?? r.message).find(Boolean);
      return {
        warnings: [
          redact(`SMTP ${settings.host}:${settings.port} rejected ${rejected.join(", ")}${why ? `: ${why}` : ""}; the other recipients got it`),
        ],
      };
    },
  };
}
