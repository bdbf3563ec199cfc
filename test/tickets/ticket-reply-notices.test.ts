import t from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { BARNIM, ticketSetUp } from '../helpers/tickets.ts';
import { DEFAULT_TICKET_SETTINGS } from '../../src/tickets/ticket.sla.ts';
import { postForm } from '../helpers/forms.ts';

// Issue 14, point 11: the authority's replies on its ticket page are gathered into one
// mail to the Kaz per ticket and gathering window, and a ticket takes a bounded number of
// replies a day. Everything on the job clock (env.clock), through the real page and SMTP.

const ASSIGNEE = 'frau.beispiel@zit-bb.example';
const BARNIM_MAIL = `poststelle.${BARNIM}@kommunen.example`;
const TICKET_PAGE = /http:\/\/efa\.test(\/antwort\/[A-Za-z0-9_-]{43}\/tickets\/\d+)/;
const MINUTE = 60 * 1000;
const { noticeGatherMinutes: WINDOW_MINUTES, repliesPerDay: REPLIES_PER_DAY } = DEFAULT_TICKET_SETTINGS;

const ticketMails = (sink: SmtpSink) => sink.messages.filter((m) => m.subject.startsWith('[Kaz-Ticket '));
const toAssignee = (sink: SmtpSink) => ticketMails(sink).filter((m) => m.envelopeTo.includes(ASSIGNEE) && !m.subject.endsWith('Ihnen zugewiesen'));

const later = (env: TestApp, ms: number) => {
  env.clock.now = new Date(env.clock.now.getTime() + ms);
};

for (const kind of databaseKinds()) {
  t.test(`${kind}: replies within the gathering window make one mail naming all; a later reply a new one; the reply count per day is bounded`, async (t) => {
    t.equal(WINDOW_MINUTES, 5, 'the default window this test walks through');
    const sink = await startSmtpSink();
    t.teardown(() => sink.close());
    const env = await buildTestApp(t, kind, { smtpUrl: sink.url });
    const { kaz, id, api } = await ticketSetUp(env);
    // Monday 3 Nov 2025, 09:00 Berlin
    env.clock.now = new Date('2025-11-03T08:00:00Z');
    const created = await api('POST', '/tickets', kaz, {
      solutionId: id,
      ars: BARNIM,
      category: 'transport',
      priority: 'normal',
      title: 'OSCI-Zustellung',
      description: 'Nachrichten kommen nicht an',
      assignee: ASSIGNEE,
    });
    t.equal(created.statusCode, 201, created.body);
    const ticket = created.json();
    await env.worker.drain();
    const opening = ticketMails(sink).find((m) => m.envelopeTo.includes(BARNIM_MAIL));
    const ticketPage = TICKET_PAGE.exec(opening?.text ?? '')?.[1];
    t.ok(ticketPage, 'the authority got its ticket page');
    const page = await env.app.inject({ url: ticketPage! });
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const reply = (text: string) => postForm(env, ticketPage!, [['csrf', csrf], ['aktion', 'antwort'], ['text', text]]);

    // Ten replies, 20 seconds apart: nothing goes out while the window is open.
    const firstAt = env.clock.now.getTime();
    for (let n = 1; n <= 10; n++) {
      const answered = await reply(`Nachricht ${n}: weitere Angaben`);
      t.equal(answered.statusCode, 200, answered.body);
      await env.worker.drain();
      later(env, 20 * 1000);
    }
    t.equal(toAssignee(sink).length, 0, 'no mail within the window');
    env.clock.now = new Date(firstAt + WINDOW_MINUTES * MINUTE - 1);
    await env.worker.drain();
    t.equal(toAssignee(sink).length, 0, 'nor a moment before it ends');

    env.clock.now = new Date(firstAt + WINDOW_MINUTES * MINUTE);
    await env.worker.drain();
    const gathered = toAssignee(sink);
    t.equal(gathered.length, 1, 'one mail for ten replies');
    t.equal(gathered[0]!.subject, `[Kaz-Ticket ${ticket.number}] OSCI-Zustellung – 10 Antworten der Behörde`);
    t.match(gathered[0]!.text, /die Behörde hat auf der Seite ihres Tickets 10-mal geantwortet/);
    const positions = Array.from({ length: 10 }, (_, i) => gathered[0]!.text.indexOf(`Nachricht ${i + 1}: weitere Angaben`));
    t.ok(positions.every((p) => p > 0), 'every reply is named');
    t.same([...positions].sort((a, b) => a - b), positions, 'in the order they were written');
    t.match(gathered[0]!.text, /Antwort 1 von 10 \(03\.11\.2025, 09:00 Uhr\)/);
    t.match(gathered[0]!.text, /Antwort 10 von 10 \(03\.11\.2025, 09:03 Uhr\)/);
    t.notMatch(gathered[0]!.text + gathered[0]!.html, /\/antwort\//, 'no link token in a mail to the Kaz');
    const rows = await env.handle.db.selectFrom('mail_message').select(['recipient_email']).where('ticket_id', '=', ticket.id).where('kind', '=', 'ticket-behoerde-antwort').execute();
    t.same(rows.map((r) => r.recipient_email), [ASSIGNEE], 'one mail row');

    // The notice job again (a re-run after a crash): no second mail.
    await env.handle.db
      .updateTable('job')
      .set({ status: 'pending', run_at: env.clock.now, finished_at: null })
      .where('kind', '=', 'ticket.benachrichtigen')
      .where('idempotency_key', 'like', `%:${ticket.id}:behoerde-antwort:%`)
      .execute();
    await env.worker.drain();
    t.equal(toAssignee(sink).length, 1, 'sent once');

    // A reply after the window: a notice of its own, again after a window.
    later(env, MINUTE);
    t.equal((await reply('Nachricht 11: noch etwas')).statusCode, 200);
    await env.worker.drain();
    t.equal(toAssignee(sink).length, 1, 'the next notice waits for its window too');
    later(env, WINDOW_MINUTES * MINUTE);
    await env.worker.drain();
    const next = toAssignee(sink);
    t.equal(next.length, 2, 'a new mail');
    t.equal(next[1]!.subject, `[Kaz-Ticket ${ticket.number}] OSCI-Zustellung – Antwort der Behörde`);
    t.match(next[1]!.text, /Antwort der Behörde:\nNachricht 11: noch etwas/);
    t.notMatch(next[1]!.text, /Nachricht 10/, 'only what was not mailed before');

    // The bound: REPLIES_PER_DAY replies in 24 hours, then a German 429 page that keeps the text.
    for (let n = 12; n <= REPLIES_PER_DAY; n++) {
      later(env, 30 * 1000);
      t.equal((await reply(`Nachricht ${n}`)).statusCode, 200, `reply ${n}`);
    }
    const comments = async () => (await env.handle.db.selectFrom('ticket_comment').select('id').where('ticket_id', '=', ticket.id).execute()).length;
    const before = await comments();
    t.equal(before, REPLIES_PER_DAY);
    const refused = await reply('Nachricht zu viel');
    t.equal(refused.statusCode, 429, 'one reply too many');
    t.match(refused.headers['content-type'], /text\/html/);
    const untilNextDay = (firstAt + 24 * 60 * MINUTE - env.clock.now.getTime()) / 1000;
    t.equal(refused.headers['retry-after'], String(Math.ceil(untilNextDay)), 'Retry-After: when the oldest counted reply is 24 hours old');
    t.match(refused.body, `in den letzten 24 Stunden schon ${REPLIES_PER_DAY} Nachrichten Ihrer Behörde eingegangen`);
    t.match(refused.body, 'Es wurde nichts gespeichert.');
    t.match(refused.body, 'Ab 04.11.2025, 09:00 Uhr können Sie hier wieder schreiben', 'from when: 24 hours after the oldest counted reply');
    t.match(refused.body, 'Nachricht zu viel', 'the text stays in the form');
    t.equal(await comments(), before, 'nothing stored');

    env.clock.now = new Date(firstAt + 24 * 60 * MINUTE + 1);
    t.equal((await reply('Am nächsten Tag')).statusCode, 200, 'a day after the first reply one more is taken');
    t.equal(await comments(), before + 1);
  });
}
