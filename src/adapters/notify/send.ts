// Delivering one message to one target: an HTTP POST (webhook) or an email through SMTP (nodemailer,
// the mail library Node's world relies on: STARTTLS, auth, timeouts). Secrets — a hook URL's token, an
// SMTP password — stay in their files: what is printed or journaled names a target by its type and host.

import { readFileSync } from "node:fs";
import { DrError, messageOf } from "../../errors.js";
import type { EmailTarget, NotifyTarget, WebhookTarget } from "../../spec/types.generated.js";

export interface Message {
  subject: string;
  text: string;
  /** The structured form for webhooks. */
  body: Record<string, unknown>;
}

const TIMEOUT_MS = 10_000;

/** A target as messages, logs and the journal name it: never its URL's path or query, never a password. */
export function describeTarget(t: NotifyTarget): string {
  if (t.type === "email") return `email to ${t.to}`;
  try {
    return `webhook ${new URL(webhookUrl(t)).host}`;
  } catch (e) {
    return `webhook (${messageOf(e)})`;
  }
}

function webhookUrl(t: WebhookTarget): string {
  if (t.url) return t.url;
  if (!t.urlFile) throw new DrError("invalid", "a webhook needs url or urlFile");
  const url = readFileSync(t.urlFile, "utf8").trim();
  if (!/^https?:\/\/\S+$/.test(url)) throw new DrError("invalid", `${t.urlFile} does not hold an http(s) URL`);
  return url;
}

async function postWebhook(t: WebhookTarget, m: Message): Promise<void> {
  const url = webhookUrl(t);
  let r: Response;
  try {
    r = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      // `text` first: what Slack-compatible hooks show; the rest for anything that reads the events
      body: JSON.stringify({ text: `${m.subject}\n${m.text}`, ...m.body }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: "error",
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(cause?.code ?? cause?.message ?? messageOf(e));
  }
  // the answer's body may echo the request; only its status is kept
  await r.body?.cancel().catch(() => {});
  if (!r.ok) throw new Error(`HTTP ${r.status} ${r.statusText}`.trim());
}

interface SmtpSettings {
  host: string;
  port: number;
  from: string;
  user?: string;
  password?: string;
  tls: "starttls" | "implicit" | "none";
}

/** `key = value` lines; # comments. */
function readSmtpSettings(path: string): SmtpSettings {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new DrError(
      "invalid",
      `cannot read SMTP settings ${path}: ${(e as NodeJS.ErrnoException).code ?? messageOf(e)}`,
    );
  }
  const kv = new Map<string, string>();
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq < 0) throw new DrError("invalid", `${path}:${i + 1}: expected key = value`);
    kv.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  const host = kv.get("host");
  if (!host) throw new DrError("invalid", `${path}: no host = …`);
  const tls = (kv.get("tls") ?? "starttls") as SmtpSettings["tls"];
  if (!["starttls", "implicit", "none"].includes(tls))
    throw new DrError("invalid", `${path}: tls must be starttls, implicit or none, not ${tls}`);
  const port = Number(kv.get("port") ?? (tls === "implicit" ? 465 : 587));
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DrError("invalid", `${path}: bad port`);
  const loopback = /^(127\.|::1$|localhost$)/.test(host);
  if (tls === "none" && !loopback)
    throw new DrError("invalid", `${path}: tls = none is for a server on loopback only, not ${host}`);
  return {
    host,
    port,
    from: kv.get("from") ?? `drctl@${host}`,
    tls,
    ...(kv.get("user") ? { user: kv.get("user") } : {}),
    ...(kv.get("password") ? { password: kv.get("password") } : {}),
  };
}

async function sendEmail(t: EmailTarget, m: Message): Promise<void> {
  const s = readSmtpSettings(t.smtp);
  const { createTransport } = await import("nodemailer");
  const transport = createTransport({
    host: s.host,
    port: s.port,
    secure: s.tls === "implicit",
    requireTLS: s.tls === "starttls",
    ignoreTLS: s.tls === "none",
    ...(s.user ? { auth: { user: s.user, pass: s.password ?? "" } } : {}),
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  try {
    await transport.sendMail({ from: s.from, to: t.to, subject: m.subject, text: m.text });
  } catch (e) {
    // nodemailer's messages name the server and the SMTP reply, never the password
    throw new Error(messageOf(e));
  } finally {
    transport.close();
  }
}

export async function deliver(t: NotifyTarget, m: Message): Promise<void> {
  if (t.type === "webhook") await postWebhook(t, m);
  else await sendEmail(t, m);
}
