import t, { type Test } from 'tap';
import pino from 'pino';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { createMailTransport } from '../../src/mail/mail.transport.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';

/**
 * What a mail administrator checks first: a Message-ID under a real domain, the marks
 * of an automatic mail (no out-of-office flood), and a Reply-To that reaches a person.
 * Checked on what a real SMTP server received, parsed by mailparser.
 */

const DAY = 24 * 60 * 60 * 1000;
const DOMAIN = 'efa.msgiv.example';
const MULTIPLIERS = ['sgb@staedte-gemeindebund.example'];
// A comma and an umlaut: the display name must be quoted/encoded, not split into two mailboxes.
const CONTACT = { kontaktName: 'Referat 32, Frau Müller', kontaktEmail: 'referat32@msgiv.example' };

function replyToOf(mail: ParsedMail) {
  const value = mail.replyTo as AddressObject | undefined;
  return value?.value.map((a) => ({ name: a.name, address: a.address }));
}

function checkHeaders(t: Test, mail: ParsedMail, what: string) {
  t.match(mail.messageId, new RegExp(`^<[0-9a-f-]{36}@${DOMAIN.replace(/\./g, '\\.')}>$`), `${what}: Message-ID under the configured domain`);
  t.equal(mail.headers.get('auto-submitted'), 'auto-generated', `${what}: Auto-Submitted (RFC 3834)`);
  t.equal(mail.headers.get('x-auto-response-suppress'), 'OOF, AutoReply', `${what}: Exchange suppresses its auto-replies`);
  t.same(replyToOf(mail), [{ name: CONTACT.kontaktName, address: CONTACT.kontaktEmail }], `${what}: Reply-To the solution's contact`);
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: every mail of a mailing – first mail, copy, reminder, escalation – carries the headers`, async (t) => {
    const sink = await startSmtpSink();
    t.teardown(() => sink.close());
    const env = await buildTestApp(t, kind, { smtpUrl: sink.url, multiplierEmails: MULTIPLIERS, messageIdDomain: DOMAIN });
    const token = await env.ministryToken('MSGIV');
    const post = (url: string, payload: object) => env.app.inject({ method: 'POST', url, headers: bearer(token), payload });
    const solution = (
      await post('/api/v1/solutions', { title: 'Elterngeld digital', ozgId: '10310', leikaKeys: ['99036005000000'], responsibility: { level: 'kreis' } })
    ).json();
    const base = `/api/v1/solutions/${solution.id}`;
    const details = await env.app.inject({ method: 'PUT', url: `${base}/mail-details`, headers: bearer(token), payload: CONTACT });
    t.equal(details.statusCode, 200, details.body);
    t.equal((await post(`${base}/events`, { type: 'ERSTINFORMATION_STARTEN' })).statusCode, 200);

    const deadline = new Date(env.clock.now.getTime() + 7 * DAY).toISOString().slice(0, 10);
    const created = await post(`${base}/mailings`, { kind: 'erstinformation', deadline, reminders: { count: 1, intervalDays: 2 } });
    t.equal(created.statusCode, 201, created.body);
    await env.worker.drain();
    t.equal(sink.messages.length, 18 + MULTIPLIERS.length);

    const stored = new Set(
      (await env.handle.db.selectFrom('mail_message').select('message_id').execute()).map((row) => row.message_id),
    );
    for (const received of sink.messages) {
      const parsed = await simpleParser(received.raw);
      checkHeaders(t, parsed, received.envelopeTo.join(','));
      t.ok(stored.has(parsed.messageId!), 'the Message-ID is the one stored for the message');
    }

    // Reminders and the escalation are recorded later, by their own activity.
    sink.messages.length = 0;
    env.clock.now = new Date(new Date(`${deadline}T12:00:00Z`).getTime() + DAY);
    await env.worker.drain();
    await env.worker.drain();
    const reminder = sink.messages.find((m) => /Erinnerung/.test(m.subject));
    t.ok(reminder, 'a reminder went out');
    if (reminder) checkHeaders(t, await simpleParser(reminder.raw), 'reminder');

    env.clock.now = new Date(env.clock.now.getTime() + 2 * DAY);
    await env.worker.drain();
    await env.worker.drain();
    const escalation = sink.messages.find((m) => m.envelopeTo.includes(CONTACT.kontaktEmail));
    t.ok(escalation, 'the escalation went out');
    if (escalation) checkHeaders(t, await simpleParser(escalation.raw), 'escalation');
  });
}

t.test('the transport marks even a bare mail as automatic; its own headers do not replace the marks', async (t) => {
  const sink = await startSmtpSink();
  t.teardown(() => sink.close());
  const transport = createMailTransport({
    smtpUrl: sink.url,
    maxConnections: 1,
    rateLimitPerSecond: 1000,
    outboxDir: '/nonexistent',
    logger: pino({ level: 'silent' }),
    smtpOptions: { ignoreTLS: true },
  });
  t.teardown(() => transport.close());
  await transport.send({
    from: 'MSGIV Brandenburg <ozg@msgiv.example>',
    to: 'poststelle@amt-beetzsee.example',
    subject: 'Test',
    text: 'Test',
    html: '<p>Test</p>',
    messageId: `<00000000-0000-4000-8000-000000000001@${DOMAIN}>`,
    headers: { 'X-EfA-Mailing': 'm-1' },
  });
  const parsed = await simpleParser(sink.messages[0]!.raw);
  t.equal(parsed.headers.get('auto-submitted'), 'auto-generated');
  t.equal(parsed.headers.get('x-auto-response-suppress'), 'OOF, AutoReply');
  t.equal(parsed.headers.get('x-efa-mailing'), 'm-1');
  t.equal(parsed.replyTo, undefined, 'no Reply-To when none is given');
});
