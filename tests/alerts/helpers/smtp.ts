// A real SMTP server (smtp-server) in the test process: STARTTLS with a throw-away certificate made by
// openssl, AUTH required after TLS, recipients that can be rejected, and every accepted message kept raw.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  raw: Buffer;
  from: string;
  to: string[];
  /** The session had switched to TLS (STARTTLS) before the message. */
  secure: boolean;
  user?: string;
}

export interface SmtpStandIn {
  port: number;
  /** PEM of the server's self-signed certificate (trust it as the CA). */
  cert: string;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

let certs: { key: string; cert: string } | undefined;

/** A self-signed certificate for 127.0.0.1 / localhost, valid two days (made once per test process). */
export function testCertificate(): { key: string; cert: string } {
  if (certs) return certs;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-smtp-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      path.join(dir, "key.pem"),
      "-out",
      path.join(dir, "cert.pem"),
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ],
    { stdio: "ignore" },
  );
  certs = { key: fs.readFileSync(path.join(dir, "key.pem"), "utf8"), cert: fs.readFileSync(path.join(dir, "cert.pem"), "utf8") };
  return certs;
}

export async function startSmtp(opts: {
  user: string;
  password: string;
  reject?: string[];
  authError?: string;
  noStartTls?: boolean;
}): Promise<SmtpStandIn> {
  const { key, cert } = testCertificate();
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    key,
    cert,
    logger: false,
    disableReverseLookup: true,
    disabledCommands: opts.noStartTls ? ["STARTTLS"] : [],
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(auth, _session, cb) {
      if (opts.authError) return cb(new Error(opts.authError));
      if (auth.username === opts.user && auth.password === opts.password) return cb(null, { user: auth.username });
      return cb(new Error("535 5.7.8 authentication failed"));
    },
    onRcptTo(address, _session, cb) {
      if (opts.reject?.includes(address.address)) {
        return cb(Object.assign(new Error(`5.1.1 <${address.address}>: mailbox unavailable`), { responseCode: 550 }));
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        mails.push({
          raw: Buffer.concat(chunks),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          user: session.user as string | undefined,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, cert, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const net = await import("node:net");
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
