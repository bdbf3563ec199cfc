import t, { type Test } from 'tap';
import type { DatabaseKind } from '../../src/db/database.ts';
import type { LinkPurpose } from '../../src/db/schema.ts';
import { sendParticipantEvent } from '../../src/solutions/participant.target.ts';
import { getLinkSecret, hashLinkToken, issueResponseLinks } from '../../src/links/link.service.ts';
import { DEFAULT_MINISTRY_NAMES, useMinistryNames } from '../../src/solutions/ministry-names.ts';
import { formatGermanDate } from '../../src/mailings/template.render.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { createSolution, drainSettling, TEST_MAIL_DETAILS } from '../helpers/rollout.ts';
import { startSmtpSink, type ReceivedMail } from '../helpers/smtp-sink.ts';
import { completeChecklist } from '../helpers/pilots.ts';
import { insertBareMailing } from '../helpers/rows.ts';
import { postForm } from '../helpers/forms.ts';

/**
 * What the authority reads on its pages and in its mails: the ministry by its full name,
 * the deadline its mail named, an expired link that tells the truth about an answer given
 * and names the right contact, the automatic ticket in words, one rule for the Online-Dienst
 * address, and every form that gets characters it cannot store back with the field named
 * and the text kept (issue 14, points 6, 13, 14, 15).
 */

const POTSDAM = '120540000000';
const COTTBUS = '120520000000';
const HAVELLAND = '120630000000';
const OBERHAVEL = '120650000000';
const ODER_SPREE = '120670000000';
const DAY = 24 * 60 * 60 * 1000;
const MSGIV_IN_FULL = 'Ministerium für Soziales, Gesundheit, Integration und Verbraucherschutz (MSGIV)';

const isoDay = (env: TestApp, days: number) => new Date(env.clock.now.getTime() + days * DAY).toISOString().slice(0, 10);

/** Opens the page, takes its CSRF value and posts the form as a browser would. */
async function answer(env: TestApp, path: string, fields: Array<[string, string]>) {
  const page = await env.app.inject({ url: path });
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  return postForm(env, path, [['csrf', csrf], ...fields]);
}

/** The path of an authority's link of one purpose in a mail it received. */
function linkInMail(mail: ReceivedMail, label: RegExp): string {
  const match = new RegExp(`${label.source}:?\\s*\\n?\\s*http://efa\\.test(/antwort/[A-Za-z0-9_-]{43})`).exec(mail.text);
  if (!match) throw new Error(`no link after ${label} in:\n${mail.text}`);
  return match[1]!;
}

const deadlineIn = (text: string) => /Rückmeldefrist: ([^\n<]+)/.exec(text)?.[1]?.trim();

async function solutionInErstinformation(t: Test, env: TestApp, ministry = 'MSGIV') {
  const token = await env.ministryToken(ministry);
  const solutionId = await createSolution(env, token);
  const base = `/api/v1/solutions/${solutionId}`;
  t.equal((await env.app.inject({ method: 'PUT', url: `${base}/mail-details`, headers: bearer(token), payload: TEST_MAIL_DETAILS })).statusCode, 200);
  t.equal((await env.app.inject({ method: 'POST', url: `${base}/events`, headers: bearer(token), payload: { type: 'ERSTINFORMATION_STARTEN' } })).statusCode, 200);
  return { token, solutionId, base };
}

async function mailing(t: Test, env: TestApp, token: string, base: string, payload: Record<string, unknown>) {
  const created = await env.app.inject({ method: 'POST', url: `${base}/mailings`, headers: bearer(token), payload });
  t.equal(created.statusCode, 201, created.body);
  await drainSettling(env);
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: mails and pages name the ministry in full and the deadline the mail named; an expired link says what became of the answer`, async (t) => {
    const sink = await startSmtpSink();
    t.teardown(() => sink.close());
    const env = await buildTestApp(t, kind as DatabaseKind, { smtpUrl: sink.url });
    const { token, base } = await solutionInErstinformation(t, env);

    const firstDeadline = isoDay(env, 21);
    await mailing(t, env, token, base, { kind: 'erstinformation', deadline: firstDeadline });
    const toPotsdam = sink.messages.find((mail) => mail.envelopeTo.some((to) => to.includes(POTSDAM)))!;
    const toCottbus = sink.messages.find((mail) => mail.envelopeTo.some((to) => to.includes(COTTBUS)))!;
    t.ok(toPotsdam && toCottbus, 'the Erstinformation reached Potsdam and Cottbus');
    t.match(toPotsdam.text, `das ${MSGIV_IN_FULL} ist in Brandenburg fachlich`, 'the mail names the ministry in full beside its code');
    t.match(toPotsdam.text, `${TEST_MAIL_DETAILS.kontaktName}\n${MSGIV_IN_FULL}\n`, 'the signature too');
    t.match(toPotsdam.html, `${MSGIV_IN_FULL} – Land Brandenburg`, 'and the HTML footer');
    t.equal(deadlineIn(toPotsdam.text), formatGermanDate(firstDeadline));

    const interest = linkInMail(toPotsdam, /ob Sie den Online-Dienst nachnutzen möchten/);
    const form = await env.app.inject({ url: interest });
    t.equal(form.statusCode, 200);
    t.match(form.body, `<dt>Federführendes Ministerium</dt><dd>${MSGIV_IN_FULL}</dd>`);
    t.match(form.body, `an das federführende Ministerium, ${MSGIV_IN_FULL}`);
    t.match(form.body, `<strong>Rückmeldefrist: ${deadlineIn(toPotsdam.text)}</strong>`, 'the page shows the deadline exactly as the mail named it');

    // sent again with a later deadline: the same link, the newest mail's deadline
    const secondDeadline = isoDay(env, 35);
    sink.messages.length = 0;
    await mailing(t, env, token, base, { kind: 'erstinformation', filter: { authorities: [POTSDAM] }, deadline: secondDeadline, erneut: true });
    t.equal(sink.messages.length, 1);
    t.equal(linkInMail(sink.messages[0]!, /ob Sie den Online-Dienst nachnutzen möchten/), interest, 'the mail sent again carries the same link');
    t.equal(deadlineIn(sink.messages[0]!.text), formatGermanDate(secondDeadline));
    t.match((await env.app.inject({ url: interest })).body, `<strong>Rückmeldefrist: ${formatGermanDate(secondDeadline)}</strong>`);

    // a passed deadline is said, the link still takes the answer
    env.clock.now = new Date(env.clock.now.getTime() + 40 * DAY);
    t.match((await env.app.inject({ url: interest })).body, 'die Frist ist verstrichen; solange dieser Link gilt, nehmen wir Ihre Antwort trotzdem gern an');

    // the table is the operator's: a corrected name shows, an unknown code shows alone
    t.teardown(() => useMinistryNames(DEFAULT_MINISTRY_NAMES));
    useMinistryNames({ ...DEFAULT_MINISTRY_NAMES, MSGIV: 'Ministerium für Test und Probe' });
    t.match((await env.app.inject({ url: interest })).body, '<dd>Ministerium für Test und Probe (MSGIV)</dd>');
    useMinistryNames({});
    t.match((await env.app.inject({ url: interest })).body, '<dd>MSGIV</dd>', 'a code the table does not know is shown alone');
    useMinistryNames(DEFAULT_MINISTRY_NAMES);

    const answered = await answer(env, interest, [['wahl', 'interesse'], ['freitext', 'Ansprechpartnerin: Frau Muster']]);
    t.equal(answered.statusCode, 200, answered.body);
    const answeredAt = env.clock.now;
    // a problem report from the answered link brings the ticket link
    const problem = await answer(env, `${interest}/problem`, [['kategorie', 'transport'], ['betreff', 'OSCI'], ['beschreibung', 'keine Zustellung']]);
    t.equal(problem.statusCode, 200, problem.body);
    const ticketToken = /href="\.\.\/([A-Za-z0-9_-]{43})\/tickets\/\d+"/.exec(problem.body)![1]!;

    env.clock.now = new Date(env.clock.now.getTime() + 200 * DAY);
    const expiredAnswered = await env.app.inject({ url: interest });
    t.equal(expiredAnswered.statusCode, 410);
    t.match(expiredAnswered.body, 'Dieser Link ist abgelaufen');
    t.match(expiredAnswered.body, `Ihre Antwort ist am ${new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', day: '2-digit', month: '2-digit', year: 'numeric' }).format(answeredAt)}`);
    t.match(expiredAnswered.body, 'eingegangen und gespeichert; sie gilt weiter');
    t.match(expiredAnswered.body, 'Wir haben Interesse und möchten weiter informiert werden.', 'the answer is shown');
    t.match(expiredAnswered.body, 'Ansprechpartnerin: Frau Muster');
    t.match(expiredAnswered.body, 'Zu dieser Anfrage müssen Sie nichts weiter tun. Möchten Sie Ihre Antwort ändern');
    t.notMatch(expiredAnswered.body, 'Es wurde nichts gespeichert', 'the recorded answer is not denied');
    t.notMatch(expiredAnswered.body, 'neuen Link an');

    const expiredOpen = await env.app.inject({ url: linkInMail(toCottbus, /bewerben Sie sich als Pilotbehörde/) });
    t.equal(expiredOpen.statusCode, 410);
    t.match(expiredOpen.body, 'Es wurde nichts gespeichert.');
    t.match(expiredOpen.body, 'Bitte fordern Sie beim federführenden Ministerium einen neuen Link an');

    const expiredTicketLink = await env.app.inject({ url: `/antwort/${ticketToken}` });
    t.equal(expiredTicketLink.statusCode, 410);
    t.match(expiredTicketLink.body, 'Einen neuen Link zu Ihren Meldungen erhalten Sie mit der nächsten E-Mail des Kaz');
    t.match(expiredTicketLink.body, 'Fragen zu Ihren Meldungen beantwortet das Kommunale Anwendungszentrum (Kaz, ZIT-BB)');
    t.notMatch(expiredTicketLink.body, 'beim federführenden Ministerium einen neuen Link', 'the clerk is not sent to the ministry for a ticket link');
    t.notMatch(expiredTicketLink.body, 'Es wurde nichts gespeichert');
  });

  t.test(`${kind}: the automatic ticket in words, one label per field, https for the Online-Dienst everywhere`, async (t) => {
    const env = await buildTestApp(t, kind as DatabaseKind);
    const { token, solutionId, base } = await solutionInErstinformation(t, env);
    const db = env.handle.db;
    const sender = { solutionId, actor: 'system:test-setup', origin: 'system' as const };
    for (const ars of [HAVELLAND, OBERHAVEL]) {
      await sendParticipantEvent(env.engine, { ...sender, ars, event: { type: 'INFORMIEREN' } });
      await sendParticipantEvent(env.engine, { ...sender, ars, event: { type: 'EINLADEN', wave: 'Welle 1', fristTage: 14 } });
    }
    const mailingId = await insertBareMailing(db, solutionId);
    const secret = await getLinkSecret(db);
    const issue = async (ars: string, purpose: LinkPurpose) => {
      const urls = await issueResponseLinks(db, { secret, solutionId, ars, mailingId, purposes: [purpose], expiresAt: new Date(env.clock.now.getTime() + 30 * DAY), baseUrl: 'http://efa.test' });
      return new URL(urls[purpose]!).pathname;
    };

    // the deadline is the readiness answer's; the BUS-BB linking has none (the mails say so)
    await db.updateTable('mailing').set({ deadline: '2027-03-01' }).where('id', '=', mailingId).execute();
    t.match((await env.app.inject({ url: await issue(HAVELLAND, 'bereitschaft') })).body, '<strong>Rückmeldefrist: 1. März 2027</strong>');
    t.notMatch((await env.app.inject({ url: await issue(OBERHAVEL, 'bus-bb') })).body, 'Rückmeldefrist');
    const notReady = await answer(env, await issue(HAVELLAND, 'bereitschaft'), [['status', 'nicht-bereit'], ['gruende', 'fachverfahren-anbindung']]);
    t.equal(notReady.statusCode, 200, notReady.body);
    const kaz = await env.roleToken('kaz');
    const tickets = (await env.app.inject({ url: '/api/v1/tickets', headers: bearer(kaz) })).json();
    const automatic = (tickets.items ?? tickets).find((ticket: { source?: string; quelle?: string }) => (ticket.source ?? ticket.quelle) === 'automatisch');
    t.ok(automatic, 'an automatic ticket was opened');
    const shown = (await env.app.inject({ url: `/api/v1/tickets/${automatic.id}`, headers: bearer(kaz) })).json();
    t.match(shown.description, 'als Grund angekreuzt: „Anbindung unseres Fachverfahrens“', 'the reason in the words of the form');
    t.notMatch(shown.description, 'fachverfahren-anbindung', 'never the internal key');

    // the ticket page: a heading is not repeated as the field's label
    const report = await answer(env, `${await issue(OBERHAVEL, 'bus-bb')}/problem`, [['kategorie', 'transport'], ['betreff', 'OSCI'], ['beschreibung', 'keine Zustellung']]);
    const ticketPath = new URL(/href="([^"]+\/tickets\/\d+)"/.exec(report.body)![1]!, `http://efa.test${await issue(OBERHAVEL, 'bus-bb')}/problem`).pathname;
    const ticketPage = (await env.app.inject({ url: ticketPath })).body;
    t.equal(ticketPage.split('Antwort an das Kaz').length - 1, 1, '„Antwort an das Kaz“ once, as the heading');
    t.match(ticketPage, '<h2>Antwort an das Kaz</h2>');
    t.match(ticketPage, '<label for="f-text">Ihre Nachricht</label>');
    t.notMatch(ticketPage, /<label[^>]*>\s*Antwort an das Kaz/);

    // https: the hint, the form's check and the API's events agree
    const busBb = await issue(OBERHAVEL, 'bus-bb');
    t.match((await env.app.inject({ url: busBb })).body, '<p class="hinweis" id="hinweis-onlineDienstUrl">Beginnt mit https://</p>');
    const yesterday = isoDay(env, -1);
    const plain = await answer(env, busBb, [['onlineDienstUrl', 'http://elterngeld.oberhavel.example/antrag'], ['verknuepftAm', yesterday]]);
    t.equal(plain.statusCode, 422);
    t.match(plain.body, 'href="#f-onlineDienstUrl">Bitte geben Sie eine vollständige Adresse an, die mit https:// beginnt.');
    t.equal((await db.selectFrom('response_link').select('used_at').where('token_hash', '=', hashLinkToken(busBb.split('/').pop()!)).executeTakeFirstOrThrow()).used_at, null);
    const viaApi = (onlineDienstUrl: string) =>
      env.app.inject({
        method: 'POST',
        url: `${base}/participants/${HAVELLAND}/events`,
        headers: bearer(token),
        payload: { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl, verknuepftAm: yesterday },
      });
    const onboarding = await env.app.inject({ method: 'POST', url: `${base}/participants/${HAVELLAND}/events`, headers: bearer(token), payload: { type: 'ONBOARDING_STARTEN' } });
    t.equal(onboarding.statusCode, 200, onboarding.body);
    const plainApi = await viaApi('http://elterngeld.havelland.example/antrag');
    t.equal(plainApi.statusCode, 422, plainApi.body);
    t.match(plainApi.json().errors, [{ field: '/body/onlineDienstUrl', message: /https:\/\// }]);
    const secureApi = await viaApi('https://elterngeld.havelland.example/antrag');
    t.equal(secureApi.statusCode, 200, secureApi.body);
    const secure = await answer(env, busBb, [['onlineDienstUrl', 'https://elterngeld.oberhavel.example/antrag'], ['verknuepftAm', yesterday]]);
    t.equal(secure.statusCode, 200, secure.body);
  });

  t.test(`${kind}: every form gives characters it cannot store back, naming the field and keeping the text`, async (t) => {
    const env = await buildTestApp(t, kind as DatabaseKind);
    const { token, solutionId } = await solutionInErstinformation(t, env);
    const db = env.handle.db;
    const sender = { solutionId, actor: 'system:test-setup', origin: 'system' as const };
    await sendParticipantEvent(env.engine, { ...sender, ars: POTSDAM, event: { type: 'INFORMIEREN' } });
    for (const ars of [HAVELLAND, OBERHAVEL]) {
      await sendParticipantEvent(env.engine, { ...sender, ars, event: { type: 'INFORMIEREN' } });
      await sendParticipantEvent(env.engine, { ...sender, ars, event: { type: 'EINLADEN', wave: 'Welle 1', fristTage: 14 } });
    }
    for (const event of ['INFORMIEREN', 'ALS_PILOT_BEWERBEN', 'PILOT_BESTAETIGEN']) {
      await sendParticipantEvent(env.engine, { ...sender, ars: ODER_SPREE, event: { type: event } });
    }
    await completeChecklist(env, token, solutionId, ODER_SPREE);
    const mailingId = await insertBareMailing(db, solutionId);
    const secret = await getLinkSecret(db);
    const issue = async (ars: string, purpose: LinkPurpose) => {
      const urls = await issueResponseLinks(db, { secret, solutionId, ars, mailingId, purposes: [purpose], expiresAt: new Date(env.clock.now.getTime() + 30 * DAY), baseUrl: 'http://efa.test' });
      return new URL(urls[purpose]!).pathname;
    };
    const used = async (path: string) => (await db.selectFrom('response_link').select('used_at').where('token_hash', '=', hashLinkToken(path.split('/')[2]!)).executeTakeFirstOrThrow()).used_at;
    const yesterday = isoDay(env, -1);
    const url = 'https://elterngeld.example/antrag';

    /** One bad character per case; the field's text comes back without it. */
    const cases: Array<{ page: string; path: string; fields: Array<[string, string]>; field: string; label: string; kept: RegExp }> = [
      { page: 'interesse', path: await issue(POTSDAM, 'interesse'), fields: [['wahl', 'interesse'], ['freitext', 'Gruß\u0000aus Potsdam']], field: 'freitext', label: 'Bemerkungen', kept: />Grußaus Potsdam<\/textarea>/ },
      { page: 'bereitschaft', path: await issue(HAVELLAND, 'bereitschaft'), fields: [['status', 'nicht-bereit'], ['gruende', 'sonstiges'], ['freitext', 'Kasse\u0007nverfahren']], field: 'freitext', label: 'Bemerkungen', kept: />Kassenverfahren<\/textarea>/ },
      { page: 'bus-bb', path: await issue(OBERHAVEL, 'bus-bb'), fields: [['onlineDienstUrl', `${url}\u0000`], ['verknuepftAm', yesterday]], field: 'onlineDienstUrl', label: 'Adresse (URL) des Online-Dienstes', kept: new RegExp(`name="onlineDienstUrl" value="${url}"`) },
      { page: 'pilot page, go-live', path: await issue(ODER_SPREE, 'pilotbetrieb'), fields: [['aktion', 'live'], ['onlineDienstUrl', `${url}\u001b`], ['verknuepftAm', yesterday]], field: 'onlineDienstUrl', label: 'Adresse (URL) des Online-Dienstes', kept: new RegExp(`name="onlineDienstUrl" value="${url}"`) },
      { page: 'problem report', path: `${await issue(POTSDAM, 'interesse')}/problem`, fields: [['kategorie', 'transport'], ['betreff', 'OSCI'], ['beschreibung', 'a\u0000b']], field: 'beschreibung', label: 'Beschreibung', kept: />ab<\/textarea>/ },
    ];
    for (const { page, path, fields, field, label, kept } of cases) {
      const refused = await answer(env, path, fields);
      t.equal(refused.statusCode, 422, `${page}: 422`);
      t.match(refused.body, '<form method="post"', `${page}: the form again, not an error page`);
      t.match(refused.body, `href="#f-${field}">„${label}“ enthielt Zeichen, die nicht gespeichert werden können`, `${page}: the summary names the field`);
      t.match(refused.body, `<p class="fehler" id="fehler-${field}">`, `${page}: the error stands at the field`);
      t.match(refused.body, kept, `${page}: the text is kept without the character`);
      t.notMatch(refused.body, /[\u0000\u0007\u001b]/, `${page}: the page carries no control character`);
    }
    t.equal(await used(cases[0]!.path), null, 'nothing was recorded');
    t.equal(await used(cases[2]!.path), null);
    t.equal((await db.selectFrom('ticket').select('id').execute()).length, 0, 'no ticket was opened');

    // a checklist reason on the pilot page
    const pilotPath = cases[3]!.path;
    const checklist = await env.app.inject({ url: pilotPath });
    const item = /name="grund-([^"]+)"/.exec(checklist.body)![1]!;
    const reason = await answer(env, pilotPath, [['aktion', 'checkliste'], [`status-${item}`, 'entfaellt'], [`grund-${item}`, 'Kein\u0000 Bedarf']]);
    t.equal(reason.statusCode, 422);
    t.match(reason.body, `href="#f-grund-${item}">„Begründung“ enthielt Zeichen`);
    t.match(reason.body, new RegExp(`name="grund-${item}" maxlength="1000" value="Kein Bedarf"`));

    // the ticket reply
    const report = await answer(env, `${cases[0]!.path}/problem`, [['kategorie', 'transport'], ['betreff', 'OSCI'], ['beschreibung', 'keine Zustellung']]);
    t.equal(report.statusCode, 200, report.body);
    const ticketPath = new URL(/href="([^"]+\/tickets\/\d+)"/.exec(report.body)![1]!, `http://efa.test${cases[0]!.path}/problem`).pathname;
    const reply = await answer(env, ticketPath, [['aktion', 'antwort'], ['text', 'Zertifikat\u0000 folgt']]);
    t.equal(reply.statusCode, 422);
    t.match(reply.body, 'href="#f-text">„Ihre Nachricht“ enthielt Zeichen');
    t.match(reply.body, />Zertifikat folgt<\/textarea>/);
    const again = await answer(env, ticketPath, [['aktion', 'antwort'], ['text', 'Zertifikat folgt']]);
    t.equal(again.statusCode, 200, 'the text as it came back can be sent');
    t.match(again.body, 'Ihre Antwort ist beim Kaz eingegangen.');

    // the form as it came back is accepted
    const resent = await answer(env, cases[0]!.path, [['wahl', 'interesse'], ['freitext', 'Grußaus Potsdam']]);
    t.equal(resent.statusCode, 200, resent.body);

    // the API keeps answering problem+json for the same characters
    const api = await env.app.inject({ method: 'POST', url: `/api/v1/solutions/${solutionId}/participants/${COTTBUS}/events`, headers: bearer(token), payload: { type: 'ABLEHNEN', reason: 'a\u0000b' } });
    t.equal(api.statusCode, 422);
    t.match(api.headers['content-type'], /^application\/problem\+json/);
    t.match(api.json().errors, [{ field: '/body/reason' }]);
  });
}
