// A real SMTP server on a loopback port that keeps what it is sent, parsed just enough to read: headers,
// the decoded subject, and the text and HTML parts. It can refuse chosen recipients (550 for good, 451
// for a while), as a real mail server does, and checks the credentials of SMTP_URL.
import { SMTPServer } from "smtp-server";

export interface SunkMail {
  /** Envelope recipients (RCPT TO), lower-case. */
  to: string[];
  from: string;
  headers: Map<string, string>;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** The SMTP user that authenticated, if any. */
  user: string | undefined;
}

interface Refusal {
  code: number;
  message: string;
  /** How many more times to refuse; Infinity for always. */
  times: number;
}

export interface SmtpSink {
  /** smtp://USER:PASS@127.0.0.1:PORT */
  url: string;
  mails: SunkMail[];
  /** Refuses RCPT TO for this address with code (550 permanent, 451 temporary), `times` times. */
  refuse(address: string, code: number, message: string, times?: number): void;
  /** Mails to `address`; waits (bounded) until at least `count` have arrived. */
  waitFor(address: string, count?: number, about?: string): Promise<SunkMail[]>;
  close(): Promise<void>;
}

export const SMTP_USER = "countersign";
export const SMTP_PASS = "s3cret-pass";

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: SunkMail[] = [];
  const refusals = new Map<string, Refusal>();
  const waiters = new Set<() => void>();

  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASS) callback(null, { user: auth.username });
      else callback(Object.assign(new Error("invalid credentials"), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      const refusal = refusals.get(address.address.toLowerCase());
      if (refusal && refusal.times > 0) {
        refusal.times--;
        callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        mails.push({
          ...parseMail(Buffer.concat(chunks).toString("utf8")),
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          user: typeof session.user === "string" ? session.user : undefined,
        });
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as { port: number }).port;

  const matching = (address: string, about?: string) =>
    mails.filter((m) => m.to.includes(address.toLowerCase()) && (!about || m.subject.includes(about)));

  return {
    url: `smtp://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${port}`,
    mails,
    refuse(address, code, message, times = Number.POSITIVE_INFINITY) {
      refusals.set(address.toLowerCase(), { code, message, times });
    },
    async waitFor(address, count = 1, about) {
      const deadline = Date.now() + 8_000;
      while (matching(address, about).length < count) {
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(
            `timed out waiting for ${count} mail(s) to ${address}; have ${mails.length} in all`,
          );
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, left);
          waiters.add(wake);
        });
      }
      return matching(address, about);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Headers (unfolded, names lower-case) and the decoded text/plain and text/html parts. */
export function parseMail(raw: string): Omit<SunkMail, "to" | "from" | "user"> {
  const { headers, body } = splitHeaders(raw);
  const parts = { text: "", html: "" };
  collectParts(headers, body, parts);
  return {
    headers,
    subject: decodeWords(headers.get("subject") ?? ""),
    text: parts.text,
    html: parts.html,
    messageId: headers.get("message-id") ?? "",
  };
}

function splitHeaders(raw: string): { headers: Map<string, string>; body: string } {
  const cut = raw.indexOf("\r\n\r\n");
  const head = cut < 0 ? raw : raw.slice(0, cut);
  const body = cut < 0 ? "" : raw.slice(cut + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function collectParts(headers: Map<string, string>, body: string, out: { text: string; html: string }) {
  const type = headers.get("content-type") ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith("multipart/") && boundary) {
    const sections = body.split(`--${boundary}`).slice(1);
    for (const section of sections) {
      if (section.startsWith("--")) break;
      const part = splitHeaders(section.replace(/^\r\n/, ""));
      collectParts(part.headers, part.body, out);
    }
    return;
  }
  const decoded = decodeBody(body, headers.get("content-transfer-encoding") ?? "7bit");
  if (type.toLowerCase().startsWith("text/html")) out.html += decoded;
  else if (type.toLowerCase().startsWith("text/plain")) out.text += decoded;
}

function decodeBody(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case "base64":
      return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
    case "quoted-printable":
      return decodeQuotedPrintable(body.replace(/=\r\n/g, ""));
    default:
      return body.replace(/\r\n$/, "");
  }
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === "=" ? text.slice(i + 1, i + 3) : "";
    if (/^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i]!, "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8").replace(/\r\n$/, "");
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?= and =?UTF-8?B?…?=); whitespace between two of them is dropped. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, "$1$2")
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === "B"
        ? Buffer.from(data, "base64").toString("utf8")
        : decodeQuotedPrintable(data.replace(/_/g, " ")),
    );
}
