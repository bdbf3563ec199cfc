import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import type { Logger } from 'pino';

/**
 * Where mails go: a pooled, rate-limited SMTP connection when SMTP_URL is set, otherwise
 * the local outbox – one `.eml` file per Message-ID under the data directory – so that a
 * development start never mails the outside world.
 */

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** `<uuid@domain>`: passed through unchanged, it identifies the message across re-sends. */
  messageId: string;
  /** Where answers go (the solution's contact), when not to the sender. */
  replyTo?: { name: string; address: string };
  headers?: Record<string, string>;
}

/**
 * On every mail: it is sent by a program (RFC 3834), so vacation responders stay
 * silent instead of answering a mailing to 195 authorities with 195 out-of-office
 * replies; Exchange ignores RFC 3834 and needs its own header.
 */
export const AUTOMATIC_MAIL_HEADERS: Readonly<Record<string, string>> = {
  'Auto-Submitted': 'auto-generated',
  'X-Auto-Response-Suppress': 'OOF, AutoReply',
};

export interface MailTransport {
  readonly kind: 'smtp' | 'outbox';
  send(mail: OutgoingMail): Promise<{ response: string }>;
  close(): Promise<void>;
}

export interface MailTransportOptions {
  smtpUrl: string | null;
  maxConnections: number;
  rateLimitPerSecond: number;
  outboxDir: string;
  logger: Logger;
  /** Extra nodemailer SMTP options (tests: ignoreTLS, shorter timeouts). */
  smtpOptions?: object;
}

export function createMailTransport(options: MailTransportOptions): MailTransport {
  return options.smtpUrl ? createSmtpTransport(options, options.smtpUrl) : createOutboxTransport(options);
}

function toNodemailerMessage(mail: OutgoingMail) {
  return {
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
    headers: { ...AUTOMATIC_MAIL_HEADERS, ...mail.headers },
  };
}

function createSmtpTransport(options: MailTransportOptions, smtpUrl: string): MailTransport {
  const log = options.logger.child({ component: 'mail.smtp' });
  const transporter = createTransport({
    // A send must end well within the job lease (5 min): otherwise a second worker could
    // take the job over while the first is still talking to the server and send twice.
    // nodemailer's own socket timeout is 10 minutes.
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
    ...options.smtpOptions,
    url: smtpUrl,
    pool: true,
    maxConnections: options.maxConnections,
    maxMessages: 100,
    rateDelta: 1000,
    rateLimit: options.rateLimitPerSecond,
  });
  return {
    kind: 'smtp',
    async send(mail) {
      const info = await transporter.sendMail(toNodemailerMessage(mail));
      log.debug({ messageId: mail.messageId, response: info.response }, 'Mail vom SMTP-Server angenommen');
      return { response: String(info.response) };
    },
    async close() {
      transporter.close();
    },
  };
}

/** A file name for a Message-ID: `<3f…@msgiv.example>` → `3f…@msgiv.example`. */
export function safeFileName(messageId: string): string {
  const name = messageId
    .replace(/^<|>$/g, '')
    .replace(/[^A-Za-z0-9@._-]/g, '_')
    .replace(/^\.+/, '_');
  return name.slice(0, 200) || '_';
}

function createOutboxTransport(options: MailTransportOptions): MailTransport {
  const log = options.logger.child({ component: 'mail.outbox' });
  // streamTransport builds the same MIME message an SMTP server would receive.
  const composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    kind: 'outbox',
    async send(mail) {
      const info = await composer.sendMail(toNodemailerMessage(mail));
      const file = `${safeFileName(mail.messageId)}.eml`;
      await writeFileAtomically(options.outboxDir, file, info.message as Buffer);
      log.debug({ messageId: mail.messageId, file }, 'Mail in den Postausgang geschrieben');
      return { response: `outbox ${file}` };
    },
    async close() {},
  };
}

/**
 * The file name depends only on the Message-ID, and the file appears complete or not at
 * all: a re-send after a crash replaces the earlier copy instead of adding a second one.
 */
async function writeFileAtomically(dir: string, file: string, content: Buffer): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${file}.${randomUUID()}.tmp`);
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, join(dir, file));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export interface OutboxEntry {
  file: string;
  size: number;
  modifiedAt: string;
}

/** The outbox's messages, newest first; an outbox nothing was written to yet is empty. */
export async function listOutbox(outboxDir: string): Promise<OutboxEntry[]> {
  let names: string[];
  try {
    names = await readdir(outboxDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: OutboxEntry[] = [];
  for (const file of names) {
    if (!isOutboxFileName(file)) continue;
    try {
      const info = await stat(join(outboxDir, file));
      if (info.isFile()) entries.push({ file, size: info.size, modifiedAt: info.mtime.toISOString() });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return entries.sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt) || a.file.localeCompare(b.file));
}

export class InvalidOutboxFileError extends Error {
  override name = 'InvalidOutboxFileError';
  readonly file: string;
  constructor(file: string) {
    super(`Kein Dateiname aus dem Postausgang: ${JSON.stringify(file)}`);
    this.file = file;
  }
}

/** Names safeFileName gives (no leading dot: neither `..eml` nor a hidden temp file). */
export const OUTBOX_FILE_PATTERN = '^[A-Za-z0-9@_-][A-Za-z0-9@._-]*\\.eml$';
const OUTBOX_FILE = new RegExp(OUTBOX_FILE_PATTERN);

function isOutboxFileName(file: string): boolean {
  return OUTBOX_FILE.test(file) && file.length <= 210;
}

/** One outbox message as raw RFC 5322 text; names outside the outbox are refused, a missing file rejects with ENOENT. */
export async function readOutboxFile(outboxDir: string, file: string): Promise<Buffer> {
  if (!isOutboxFileName(file)) throw new InvalidOutboxFileError(file);
  return readFile(join(outboxDir, file));
}

/**
 * Whether trying the same message again can help. nodemailer errors carry the SMTP reply
 * (`responseCode`, `response`) when the server answered, and a `code` otherwise.
 */
export function classifyMailError(error: unknown): { permanent: boolean; response: string } {
  if (typeof error !== 'object' || error === null) return { permanent: false, response: String(error) };
  const e = error as { message?: unknown; code?: unknown; responseCode?: unknown; response?: unknown; permanent?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = typeof e.code === 'string' ? e.code : undefined;
  const response = typeof e.response === 'string' && e.response.trim() !== '' ? e.response.trim() : undefined;

  // A rejected login or missing credentials is our configuration, not the recipient: marking
  // every message of a mailing failed for it would be wrong, so these stay retryable.
  if (code === 'EAUTH' || code === 'ENOAUTH' || code === 'EOAUTH2') {
    return { permanent: false, response: response ?? `${code}: ${message}` };
  }
  if (typeof e.responseCode === 'number') {
    // RFC 5321: 5yz is final, 4yz transient. nodemailer 10 sets `permanent` from the reply
    // class (treating 503 "bad sequence" as retryable); older errors lack it.
    const permanent = typeof e.permanent === 'boolean' ? e.permanent : e.responseCode >= 500 && e.responseCode < 600 && e.responseCode !== 503;
    return { permanent, response: response ?? `${e.responseCode} ${message}` };
  }
  // EENVELOPE without a server reply: nodemailer refused the addresses itself (syntax).
  if (code === 'EENVELOPE' || code === 'ECONFIG') return { permanent: true, response: `${code}: ${message}` };
  // Connection loss, timeouts, DNS, TLS, a full disk in the outbox …: the next attempt may work.
  return { permanent: false, response: code ? `${code}: ${message}` : message };
}
