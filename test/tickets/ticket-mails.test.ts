import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { simpleParser } from 'mailparser';
import { databaseKinds } from '../helpers/databases.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { drainSettling, TEST_MAIL_DETAILS } from '../helpers/rollout.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { BARNIM, POTSDAM, ticketSetUp } from '../helpers/tickets.ts';
import { hashLinkToken } from '../../src/links/link.service.ts';
import { TICKET_NOTICE_JOB } from '../../src/tickets/ticket-notices.ts';

const KAZ_QUEUE = 'kaz-queue@zit-bb.example'; // test/helpers/app.ts
const ASSIGNEE = 'frau.beispiel@zit-bb.example';
const BARNIM_MAIL = `poststelle.${BARNIM}@kommunen.example`;
const POTSDAM_MAIL = `poststelle.${POTSDAM}@kommunen.example`;
const MINISTRY_CONTACT = TEST_MAIL_DETAILS.kontaktEmail;
const TICKET_PAGE = /http:\/\/efa\.test\/antwort\/([A-Za-z0-9_-]{43})\/tickets\/(\d+)/;

async function withSink(t: Parameters<typeof buildTestApp>[0], kind: Parameters<typeof buildTestApp>[1]) {
  const sink = await startSmtpSink();
  t.teardown(() => sink.close());
  const env = await buildTestApp(t, kind, { smtpUrl: sink.url });
  return { sink, env, ...(await ticketSetUp(env)) };
}

/** The ticket mails received so far (the rollout's own mailings went to the same server). */
const ticketMails = (sink: SmtpSink) => sink.messages.filter((m) => m.subject.startsWith('[Kaz-Ticket '));
const summary = (sink: SmtpSink) => ticketMails(sink).map((m) => `${m.envelopeTo.join(',')} ${m.subject}`);

/** Runs the jobs due now – without moving the clock, so a timer cannot fire early. */
async function runDue(env: TestApp) {
  await env.worker.drain();
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: the authority hears of its ticket, the assignee of an assignment – once per notice, nothing internal`, async (t) => {
    const { sink, env, kaz, id, api, participantEvent, token } = await withSink(t, kind);
    const mailingsBefore = (await api('GET', `/solutions/${id}/mailings`, token)).json();
    const messagesBefore = await env.handle.db.selectFrom('mail_message').select('id').where('ticket_id', 'is', null).execute();

    // "Nicht bereit" for two technical reasons and one other: two tickets, two opening mails; the same answer again adds none.
    const answer = { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['fachverfahren-anbindung', 'epayment', 'personal'] };
    t.equal((await participantEvent(BARNIM, answer)).statusCode, 200);
    await drainSettling(env);
    t.equal((await participantEvent(BARNIM, answer)).statusCode, 200);
    await drainSettling(env);
    const queue = (await api('GET', `/tickets?landkreis=${BARNIM}`, kaz)).json();
    t.equal(queue.total, 2, 'one ticket per technical reason');
    const opening = ticketMails(sink).filter((m) => m.envelopeTo.includes(BARNIM_MAIL));
    t.equal(opening.length, 2, summary(sink).join('\n'));
    // The Kaz did not open them itself: its queue hears of both, without the authority's link.
    const news = ticketMails(sink).filter((m) => m.envelopeTo.includes(KAZ_QUEUE));
    t.equal(news.length, 2, summary(sink).join('\n'));
    t.equal(ticketMails(sink).length, 4, 'nobody else');
    for (const mail of news) {
      t.match(mail.text, /automatisch eröffnet, weil die Behörde „nicht bereit“ gemeldet hat/);
      t.match(mail.text, /Behörde: Barnim/);
      t.notMatch(mail.text + mail.html, /\/antwort\//, 'no link token in a mail to the Kaz');
    }
    for (const ticket of queue.items as { number: number; title: string }[]) {
      const mail = opening.find((m) => m.subject === `[Kaz-Ticket ${ticket.number}] ${ticket.title} – Ticket eröffnet`);
      t.ok(mail, `opening mail of ticket ${ticket.number}`);
      t.same(mail?.envelopeTo, [BARNIM_MAIL]);
      t.match(mail?.text, /noch nicht bereit/);
      t.match(mail?.text, /Wie es weitergeht/);
      t.match(mail?.text, TICKET_PAGE);
      t.equal(TICKET_PAGE.exec(mail!.text)?.[2], String(ticket.number), 'the page of this ticket');
    }
    const ticket = (queue.items as { id: string; number: number; category: string; title: string }[]).find((i) => i.category === 'epayment')!;
    const url = `/tickets/${ticket.id}`;
    const subjectOf = (what: string) => `[Kaz-Ticket ${ticket.number}] ${ticket.title} – ${what}`;
    const mailsTo = (address: string, what: string) => ticketMails(sink).filter((m) => m.envelopeTo.includes(address) && m.subject === subjectOf(what));

    // Assigned: the assignee hears of it with the ticket page's address, not a link token.
    t.equal((await api('PATCH', url, kaz, { assignee: ASSIGNEE })).statusCode, 200);
    await drainSettling(env);
    const assigned = mailsTo(ASSIGNEE, 'Ihnen zugewiesen');
    t.equal(assigned.length, 1, summary(sink).join('\n'));
    t.match(assigned[0]!.text, `http://efa.test/verwaltung/tickets/${ticket.id}`);
    t.match(assigned[0]!.text, /Behörde: Barnim/);
    t.match(assigned[0]!.text, /Fällig: .+ Uhr \(erste Reaktion\)/);
    t.notMatch(assigned[0]!.text + assigned[0]!.html, /\/antwort\//, 'no link token in a mail to the Kaz');

    // An internal note tells nobody; a public comment tells the authority, escaped in HTML.
    const secret = 'Interne Notiz: Mandant 4711 ist falsch konfiguriert';
    t.equal((await api('POST', `${url}/comments`, kaz, { text: secret, visibility: 'intern' })).statusCode, 201);
    const before = ticketMails(sink).length;
    await drainSettling(env);
    t.equal(ticketMails(sink).length, before, 'no mail for an internal note');
    const reply = 'Bitte senden Sie uns den Mandanten <ePayBL> & die Kennung.';
    t.equal((await api('POST', `${url}/comments`, kaz, { text: reply, visibility: 'oeffentlich' })).statusCode, 201);
    await drainSettling(env);
    const answered = mailsTo(BARNIM_MAIL, 'neue Antwort');
    t.equal(answered.length, 1, summary(sink).join('\n'));
    t.match(answered[0]!.text, reply);
    t.match(answered[0]!.html, 'den Mandanten &#60;ePayBL&#62; &#38; die Kennung.');
    t.notMatch(answered[0]!.html, '<ePayBL>');

    // Waiting for the authority: it hears what the Kaz needs.
    t.equal((await api('POST', `${url}/events`, kaz, { type: 'AUF_KOMMUNE_WARTEN', grund: 'Zugang zum ePayBL-Mandanten' })).statusCode, 200);
    await drainSettling(env);
    const question = mailsTo(BARNIM_MAIL, 'Rückfrage an Ihre Behörde');
    t.equal(question.length, 1, summary(sink).join('\n'));
    t.match(question[0]!.text, /Das Kaz benötigt:\nZugang zum ePayBL-Mandanten/);
    t.match(question[0]!.text, TICKET_PAGE);

    // Solved: the solution, the reopen period and the link to its page.
    t.equal((await api('POST', `${url}/events`, kaz, { type: 'KOMMUNE_ANTWORTET' })).statusCode, 200);
    t.equal((await api('POST', `${url}/events`, kaz, { type: 'LOESEN', loesung: 'Mandant im ePayBL angelegt' })).statusCode, 200);
    await drainSettling(env);
    const solved = mailsTo(BARNIM_MAIL, 'gelöst');
    t.equal(solved.length, 1, summary(sink).join('\n'));
    t.match(solved[0]!.text, /Lösung:\nMandant im ePayBL angelegt/);
    t.match(solved[0]!.text, /innerhalb von 14 Tagen/);
    const link = TICKET_PAGE.exec(solved[0]!.text);
    t.ok(link, solved[0]!.text);
    t.equal(link![2], String(ticket.number));
    t.match(solved[0]!.html, `href="${link![0]}"`);
    const row = await env.handle.db.selectFrom('response_link').selectAll().where('token_hash', '=', hashLinkToken(link![1]!)).executeTakeFirst();
    t.match(row, { purpose: 'ticket', solution_id: id, ars: BARNIM, mailing_id: null }, 'the token is the authority’s ticket link of this solution');

    // Nothing internal in any mail to the authority; the note in none at all.
    for (const mail of ticketMails(sink)) {
      t.notMatch(mail.text + mail.html, /Interne Notiz|Mandant 4711/, `no internal note in ${mail.subject}`);
      if (mail.envelopeTo.includes(BARNIM_MAIL)) {
        t.notMatch(mail.text + mail.html, /api\/v1|zit-bb\.example|Priorität|Fällig/, `nothing internal in ${mail.subject}`);
      }
    }

    // The same notice job again (a re-run after a crash): no second row, no second mail.
    const notice = await env.handle.db
      .selectFrom('job')
      .selectAll()
      .where('kind', '=', TICKET_NOTICE_JOB)
      .where('idempotency_key', 'like', `%:${ticket.id}:geloest:%`)
      .executeTakeFirstOrThrow();
    t.equal(notice.status, 'done');
    const sent = ticketMails(sink).length;
    await env.handle.db.updateTable('job').set({ status: 'pending', run_at: env.clock.now, finished_at: null }).where('id', '=', notice.id).execute();
    await drainSettling(env);
    t.equal((await env.handle.db.selectFrom('job').select('status').where('id', '=', notice.id).executeTakeFirstOrThrow()).status, 'done', 'the job ran again');
    t.equal(ticketMails(sink).length, sent, 'sent once');
    const rows = await env.handle.db.selectFrom('mail_message').selectAll().where('ticket_id', '=', ticket.id).execute();
    t.equal(rows.filter((r) => r.kind === 'ticket-geloest').length, 1);
    t.ok(rows.every((r) => r.status === 'angenommen' && r.mailing_id === null), 'every ticket mail accepted');
    t.same(rows.map((r) => r.recipient_role).sort(), ['behoerde', 'behoerde', 'behoerde', 'behoerde', 'kaz', 'kaz'], 'opened, answered, asked, solved; the news and the assignment');

    // The mailings see none of it.
    t.same((await api('GET', `/solutions/${id}/mailings`, token)).json(), mailingsBefore, 'mailing progress and counts unchanged');
    t.equal((await env.handle.db.selectFrom('mail_message').select('id').where('ticket_id', 'is', null).execute()).length, messagesBefore.length);
    const [mailing] = mailingsBefore as { id: string; messages: { total: number } }[];
    const listed = (await api('GET', `/solutions/${id}/mailings/${mailing!.id}/messages?limit=500`, token)).json();
    t.equal(listed.total, mailing!.messages.total, 'the mailing lists its own messages only');
  });

  t.test(`${kind}: SLA over Reformationstag and a weekend – warning Monday 09:00, escalation 10:00 to the queue and, blocking, the ministry`, async (t) => {
    const { sink, env, kaz, id, api } = await withSink(t, kind);
    // Thursday 30 Oct 2025, 14:00 Berlin (CET); Friday is Reformationstag.
    env.clock.now = new Date('2025-10-30T13:00:00Z');
    const create = (ars: string, extra: Record<string, unknown>) =>
      api('POST', '/tickets', kaz, { solutionId: id, ars, category: 'transport', priority: 'hoch', title: `Transport ${ars}`, description: 'OSCI-Zustellung schlägt fehl', ...extra });
    const assigned = (await create(BARNIM, { assignee: ASSIGNEE })).json();
    const blocking = (await create(POTSDAM, { blocking: true })).json();
    t.equal(assigned.sla.firstResponseDue, '2025-11-03T09:00:00.000Z', '240 working minutes: Monday 10:00 Berlin');
    await runDue(env);
    t.same(summary(sink).sort(), [
      `${ASSIGNEE} [Kaz-Ticket ${assigned.number}] Transport ${BARNIM} – Ihnen zugewiesen`,
      `${BARNIM_MAIL} [Kaz-Ticket ${assigned.number}] Transport ${BARNIM} – Ticket eröffnet`,
      `${POTSDAM_MAIL} [Kaz-Ticket ${blocking.number}] Transport ${POTSDAM} – Ticket eröffnet`,
    ].sort());
    const opened = ticketMails(sink).length;

    for (const quiet of ['2025-10-31T12:00:00Z', '2025-11-01T12:00:00Z', '2025-11-02T22:59:00Z', '2025-11-03T07:59:00Z']) {
      env.clock.now = new Date(quiet);
      await runDue(env);
      t.equal(ticketMails(sink).length, opened, `nothing at ${quiet}: holiday, weekend, one minute before the warning`);
    }

    env.clock.now = new Date('2025-11-03T08:00:00Z');
    await runDue(env);
    const warnings = ticketMails(sink).slice(opened);
    t.same(warnings.map((m) => `${m.envelopeTo.join(',')} ${m.subject}`).sort(), [
      `${ASSIGNEE} [Kaz-Ticket ${assigned.number}] Transport ${BARNIM} – Frist „erste Reaktion“ bald erreicht`,
      `${KAZ_QUEUE} [Kaz-Ticket ${blocking.number}] Transport ${POTSDAM} – Frist „erste Reaktion“ bald erreicht`,
    ].sort(), 'the warning at 75 %: to the assignee, else to the queue');
    t.match(warnings[0]!.text, /Fällig: Montag, 03\.11\.2025, 10:00 Uhr \(erste Reaktion\)/);

    env.clock.now = new Date('2025-11-03T08:59:00Z');
    await runDue(env);
    t.equal(ticketMails(sink).length, opened + 2, 'no escalation one minute before the due time');

    env.clock.now = new Date('2025-11-03T09:00:00Z');
    await runDue(env);
    const escalations = ticketMails(sink).slice(opened + 2);
    t.same(escalations.map((m) => `${m.envelopeTo.join(',')} ${m.subject}`).sort(), [
      `${KAZ_QUEUE} [Kaz-Ticket ${assigned.number}] Transport ${BARNIM} – Frist „erste Reaktion“ überschritten`,
      `${KAZ_QUEUE} [Kaz-Ticket ${blocking.number}] Transport ${POTSDAM} – Frist „erste Reaktion“ überschritten`,
      `${MINISTRY_CONTACT} [Kaz-Ticket ${blocking.number}] Transport ${POTSDAM} – Frist „erste Reaktion“ überschritten`,
    ].sort(), 'the breach: the queue for both, the ministry for the blocking one');
    const ministry = escalations.find((m) => m.envelopeTo.includes(MINISTRY_CONTACT))!;
    t.match(ministry.text, /hält den Live-Gang der Behörde auf/);
    t.match(ministry.text, /Behörde: Potsdam/);
    t.match(ministry.text, `http://efa.test/verwaltung/tickets/${blocking.id}`);
    t.notMatch(ministry.text + ministry.html, /\/antwort\//);
    const roles = await env.handle.db.selectFrom('mail_message').select(['recipient_role', 'recipient_email']).where('kind', '=', 'ticket-eskalation').execute();
    t.same(roles.map((r) => `${r.recipient_role}:${r.recipient_email}`).sort(), [`kaz:${KAZ_QUEUE}`, `kaz:${KAZ_QUEUE}`, `ministerium:${MINISTRY_CONTACT}`]);
  });

  t.test(`${kind}: SLA across the change to winter time – due Monday 11:00 CET, not an hour early`, async (t) => {
    const { sink, env, kaz, id, api } = await withSink(t, kind);
    // Friday 24 Oct 2025, 15:00 CEST; clocks go back on Sunday 26 Oct.
    env.clock.now = new Date('2025-10-24T13:00:00Z');
    const ticket = (await api('POST', '/tickets', kaz, { solutionId: id, ars: BARNIM, category: 'bundid', priority: 'hoch', title: 'BundID-Login', description: 'x' })).json();
    t.equal(ticket.sla.firstResponseDue, '2025-10-27T10:00:00.000Z', '60 minutes on Friday, 180 on Monday from 08:00 CET');
    const escalations = () => ticketMails(sink).filter((m) => m.subject.endsWith('überschritten'));
    env.clock.now = new Date('2025-10-27T09:59:00Z');
    await runDue(env);
    t.equal(escalations().length, 0, 'nothing at 10:59 CET');
    t.equal(ticketMails(sink).filter((m) => m.subject.endsWith('bald erreicht')).length, 1, 'the warning (10:00 CET) went to the queue');
    env.clock.now = new Date('2025-10-27T10:00:00Z');
    await runDue(env);
    t.same(escalations().map((m) => m.envelopeTo), [[KAZ_QUEUE]]);
    t.match(escalations()[0]!.text, /Fällig: Montag, 27\.10\.2025, 11:00 Uhr/);
  });

  t.test(`${kind}: waiting for the authority – no escalation while paused, the due time moves by the paused working time`, async (t) => {
    const { sink, env, kaz, id, api } = await withSink(t, kind);
    // Monday 3 Nov 2025, 09:00 Berlin: opened, taken up and at once waiting for the authority.
    env.clock.now = new Date('2025-11-03T08:00:00Z');
    const ticket = (await api('POST', '/tickets', kaz, { solutionId: id, ars: BARNIM, category: 'epayment', priority: 'hoch', title: 'ePayBL', description: 'x' })).json();
    t.equal(ticket.sla.resolutionDue, '2025-11-06T08:00:00.000Z', '1440 working minutes: Thursday 09:00');
    const url = `/tickets/${ticket.id}`;
    await api('POST', `${url}/events`, kaz, { type: 'BEARBEITUNG_BEGINNEN' });
    t.equal((await api('POST', `${url}/events`, kaz, { type: 'AUF_KOMMUNE_WARTEN', grund: 'Zugang zum Mandanten' })).statusCode, 200);
    const sla = () => ticketMails(sink).filter((m) => /bald erreicht|überschritten/.test(m.subject));
    for (const day of ['2025-11-04', '2025-11-05', '2025-11-06', '2025-11-07']) {
      env.clock.now = new Date(`${day}T08:00:00Z`);
      await runDue(env);
    }
    t.same(sla(), [], 'no warning, no escalation past the original due time while waiting');

    // Friday 09:00 Berlin the authority answers: 420 + 3 × 480 + 60 working minutes paused.
    t.equal((await api('POST', `${url}/events`, kaz, { type: 'KOMMUNE_ANTWORTET' })).statusCode, 200);
    const resumed = (await api('GET', url, kaz)).json();
    t.match(resumed.sla, { pausedMinutes: 1920, resolutionDue: '2025-11-12T08:00:00.000Z' }, 'four working days later: Wednesday 12 Nov 09:00');
    env.clock.now = new Date('2025-11-12T07:59:00Z');
    await runDue(env);
    t.same(sla().map((m) => m.subject.replace(/.* – /, '')), ['Frist „Lösung“ bald erreicht'], 'the warning came, the breach not yet');
    env.clock.now = new Date('2025-11-12T08:00:00Z');
    await runDue(env);
    t.same(sla().map((m) => `${m.envelopeTo.join(',')} ${m.subject.replace(/.* – /, '')}`), [
      `${KAZ_QUEUE} Frist „Lösung“ bald erreicht`,
      `${KAZ_QUEUE} Frist „Lösung“ überschritten`,
    ]);
  });

  t.test(`${kind}: without SMTP the outbox keeps ticket mails as .eml files`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { kaz, id, api } = await ticketSetUp(env);
    const ticket = (await api('POST', '/tickets', kaz, { solutionId: id, ars: POTSDAM, category: 'sonstiges', title: 'Frage zur Anbindung', description: 'Welche Schnittstelle?' })).json();
    await drainSettling(env);
    const dir = env.mail.routes.outboxDir!;
    const parsed = await Promise.all((await readdir(dir)).filter((f) => f.endsWith('.eml')).map(async (f) => ({ file: f, mail: await simpleParser(await readFile(join(dir, f))) })));
    const mine = parsed.filter((p) => p.mail.subject?.startsWith('[Kaz-Ticket '));
    t.same(mine.map((p) => p.mail.subject), [`[Kaz-Ticket ${ticket.number}] Frage zur Anbindung – Ticket eröffnet`]);
    t.match(mine[0]!.mail.text, TICKET_PAGE);
    const listed = (await api('GET', '/admin/outbox', env.adminToken)).json();
    t.ok(JSON.stringify(listed).includes(mine[0]!.file), 'listed in the admin outbox');
  });
}
