import t from 'tap';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { readdir } from 'node:fs/promises';
import { simpleParser } from 'mailparser';
import {
  classifyMailError,
  createMailTransport,
  InvalidOutboxFileError,
  listOutbox,
  readOutboxFile,
  type MailTransport,
  type OutgoingMail,
} from '../../src/mail/mail.transport.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';

const logger = pino({ level: 'silent' });

function mail(overrides: Partial<OutgoingMail> = {}): OutgoingMail {
  return {
    from: 'EfA-Rollout Brandenburg <efa-rollout@land-brandenburg.example>',
    to: 'poststelle@amt-beetzsee.example',
    subject: 'Erstinformation: Elterngeld digital',
    text: 'Sehr geehrte Damen und Herren, …',
    html: '<p>Sehr geehrte Damen und Herren, …</p>',
    messageId: `<${randomUUID()}@efa-rollout>`,
    ...overrides,
  };
}

function smtpTransport(url: string, extra: object = {}): MailTransport {
  return createMailTransport({
    smtpUrl: url,
    maxConnections: 2,
    rateLimitPerSecond: 1000,
    outboxDir: '/nonexistent',
    logger,
    smtpOptions: { ignoreTLS: true, ...extra },
  });
}

/** Sends and returns the rejection, failing the test if the send succeeds. */
async function rejectionOf(transport: MailTransport, message: OutgoingMail): Promise<unknown> {
  try {
    await transport.send(message);
  } catch (error) {
    return error;
  }
  throw new Error('send should have failed');
}

t.test('SMTP: the message arrives with its Message-ID, text and HTML part', async (t) => {
  const sink = await startSmtpSink();
  t.teardown(() => sink.close());
  const transport = smtpTransport(sink.url);
  t.teardown(() => transport.close());
  t.equal(transport.kind, 'smtp');

  const sent = mail({ headers: { 'X-EfA-Mailing': 'm-1' } });
  const { response } = await transport.send(sent);
  t.match(response, /^250 /, 'the server answer is returned');
  t.equal(sink.messages.length, 1);
  const received = sink.messages[0]!;
  t.equal(received.messageId, sent.messageId, 'Message-ID passed through exactly');
  t.same(received.envelopeTo, [sent.to]);
  t.equal(received.subject, sent.subject);
  t.equal(received.text.trim(), sent.text);
  t.equal(received.html, sent.html);
  const parsed = await simpleParser(received.raw);
  t.equal(parsed.headers.get('x-efa-mailing'), 'm-1', 'extra headers are sent');
  t.match(received.raw.toString(), /multipart\/alternative/);
});

t.test('classifyMailError on real errors from an SMTP server', async (t) => {
  const sink = await startSmtpSink({ failFirst: 1, rejectRecipients: (address) => address.startsWith('unbekannt@') });
  t.teardown(() => sink.close());
  const transport = smtpTransport(sink.url);
  t.teardown(() => transport.close());

  const deferred = classifyMailError(await rejectionOf(transport, mail()));
  t.equal(deferred.permanent, false, '451 is transient');
  t.match(deferred.response, /^451 /);

  const rejected = classifyMailError(await rejectionOf(transport, mail({ to: 'unbekannt@amt-beetzsee.example' })));
  t.equal(rejected.permanent, true, '550 is permanent');
  t.match(rejected.response, /^550 .*User unknown/, "with the server's answer");

  const syntax = classifyMailError(await rejectionOf(transport, mail({ to: 'kein-postfach' })));
  t.equal(syntax.permanent, true, 'an address nodemailer cannot send to is permanent');

  // A port nobody listens on: take a free one and close it again.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const freePort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const nowhere = smtpTransport(`smtp://127.0.0.1:${freePort}`, { connectionTimeout: 2000 });
  t.teardown(() => nowhere.close());
  const refused = classifyMailError(await rejectionOf(nowhere, mail()));
  t.equal(refused.permanent, false, 'connection refused is transient');
  t.match(refused.response, /ECONNREFUSED|ESOCKET|ECONNECTION/);

  t.same(classifyMailError(Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT' })).permanent, false);
  t.same(classifyMailError(Object.assign(new Error('Invalid login'), { code: 'EAUTH', responseCode: 535, response: '535 5.7.8 auth failed' })), {
    permanent: false,
    response: '535 5.7.8 auth failed',
  }, 'a refused login is our configuration, not the recipient');
  t.equal(classifyMailError(Object.assign(new Error('x'), { responseCode: 503, response: '503 bad sequence' })).permanent, false);
  t.equal(classifyMailError('weird').permanent, false);
});

t.test('outbox: one .eml per Message-ID, a re-send replaces it', async (t) => {
  const outboxDir = `${t.testdirName}/outbox`;
  t.testdir({});
  const transport = createMailTransport({ smtpUrl: null, maxConnections: 1, rateLimitPerSecond: 1, outboxDir, logger });
  t.equal(transport.kind, 'outbox');
  t.same(await listOutbox(outboxDir), [], 'an outbox nothing was written to is empty');

  const first = mail({ messageId: '<0b7e3c1e-1111-4a5b-9c9d-000000000001@efa-rollout>' });
  const { response } = await transport.send(first);
  t.equal(response, 'outbox 0b7e3c1e-1111-4a5b-9c9d-000000000001@efa-rollout.eml');
  await transport.send({ ...first, text: 'Sehr geehrte Damen und Herren, … (erneut)' });
  await transport.send(mail({ messageId: '<0b7e3c1e-2222-4a5b-9c9d-000000000002@efa-rollout>' }));

  const entries = await listOutbox(outboxDir);
  t.equal(entries.length, 2, 'the re-send did not add a file');
  t.same((await readdir(outboxDir)).sort(), entries.map((e) => e.file).sort(), 'no temporary files are left behind');
  t.ok(entries.every((e) => e.size > 0 && !Number.isNaN(Date.parse(e.modifiedAt))));

  const raw = await readOutboxFile(outboxDir, '0b7e3c1e-1111-4a5b-9c9d-000000000001@efa-rollout.eml');
  const parsed = await simpleParser(raw);
  t.equal(parsed.messageId, first.messageId, 'the .eml is the real message with its Message-ID');
  t.equal(parsed.text?.trim(), 'Sehr geehrte Damen und Herren, … (erneut)', 'the latest send wins');
  t.equal(parsed.html, first.html);
  t.equal(parsed.subject, first.subject);

  for (const name of ['../secret.eml', '..', 'sub/x.eml', '/etc/passwd', '.hidden.eml', 'x.txt', '..%2fx.eml']) {
    await t.rejects(readOutboxFile(outboxDir, name), InvalidOutboxFileError, `refuses ${name}`);
  }
  await t.rejects(readOutboxFile(outboxDir, 'fehlt@efa-rollout.eml'), { code: 'ENOENT' });
  await transport.close();
});
