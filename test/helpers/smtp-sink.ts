import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerError } from 'smtp-server';

/**
 * A real SMTP server on loopback for tests and benchmarks: it accepts (or, on request,
 * refuses) what nodemailer sends and keeps every accepted message.
 */

export interface ReceivedMail {
  envelopeFrom: string | null;
  envelopeTo: string[];
  messageId: string;
  subject: string;
  text: string;
  html: string;
  raw: Buffer;
}

export interface SmtpSinkOptions {
  /** Answer `451` to the first n DATA commands for each recipient (set of recipients). */
  failFirst?: number;
  /** Refuse these recipients at RCPT TO with `550`. */
  rejectRecipients?: (address: string) => boolean;
  /** Put these recipients off at RCPT TO with `450` (transient; asked again on every attempt). */
  deferRecipients?: (address: string) => boolean;
  onMessage?: (mail: ReceivedMail) => void;
  /** Parse each message with mailparser (default); off: only Message-ID and Subject, for speed. */
  parse?: boolean;
}

export interface SmtpSink {
  port: number;
  /** `smtp://127.0.0.1:<port>` */
  url: string;
  messages: ReceivedMail[];
  /** Transient refusals so far: DATA answered with 451, RCPT TO with 450. */
  readonly deferred: number;
  close(): Promise<void>;
}

function smtpError(responseCode: number, message: string): SMTPServerError {
  return Object.assign(new Error(message), { responseCode });
}

function headerValue(raw: Buffer, name: string): string {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end < 0 ? raw.length : end).toString('utf8').replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head);
  return match?.[1]?.trim() ?? '';
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const dataCommands = new Map<string, number>();
  let deferred = 0;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // Tests close their clients first; what is left is cut off quickly.
    closeTimeout: 200,
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipients?.(address.address)) {
        callback(smtpError(550, `5.1.1 <${address.address}>: Recipient address rejected: User unknown`));
        return;
      }
      if (options.deferRecipients?.(address.address)) {
        deferred++;
        callback(smtpError(450, `4.2.1 <${address.address}>: Mailbox busy, try again later`));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
        const key = [...envelopeTo].sort().join(',');
        const seen = (dataCommands.get(key) ?? 0) + 1;
        dataCommands.set(key, seen);
        if (seen <= (options.failFirst ?? 0)) {
          deferred++;
          callback(smtpError(451, '4.3.0 Temporary local problem, try again later'));
          return;
        }
        const raw = Buffer.concat(chunks);
        const mailFrom = session.envelope.mailFrom;
        const base = { envelopeFrom: mailFrom ? mailFrom.address : null, envelopeTo, raw };
        const received: Promise<ReceivedMail> =
          options.parse === false
            ? Promise.resolve({ ...base, messageId: headerValue(raw, 'Message-ID'), subject: headerValue(raw, 'Subject'), text: '', html: '' })
            : simpleParser(raw).then((parsed) => ({
                ...base,
                messageId: parsed.messageId ?? '',
                subject: parsed.subject ?? '',
                text: parsed.text ?? '',
                html: typeof parsed.html === 'string' ? parsed.html : '',
              }));
        received.then(
          (mail) => {
            messages.push(mail);
            options.onMessage?.(mail);
            callback(null, `OK: queued as ${messages.length}`);
          },
          (error: Error) => callback(smtpError(554, `5.6.0 unparsable message: ${error.message}`)),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A client that drops a connection must not crash the test process.
  server.on('error', () => {});
  const { port } = server.server.address() as AddressInfo;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get deferred() {
      return deferred;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
