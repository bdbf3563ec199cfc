import t, { type Test } from 'tap';
import type { DatabaseKind } from '../../src/db/database.ts';
import type { LinkPurpose } from '../../src/db/schema.ts';
import { getLinkSecret, hashLinkToken, issueResponseLinks } from '../../src/links/link.service.ts';
import { escapeText } from '../../src/markup/html.ts';
import { MAX_OPEN_REPORTS } from '../../src/tickets/authority-tickets.service.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { insertBareMailing } from '../helpers/rows.ts';
import { solutionInRollout } from '../helpers/waves.ts';
import { OWN_ORIGIN, csrfOf, postForm } from '../helpers/forms.ts';

const POTSDAM = '120540000000';
const BARNIM = '120600000000';
const DAY = 24 * 60 * 60 * 1000;

/** A Kreis-level solution in rollout; links are issued per authority and purpose. */
async function setUp(t: Test, kind: DatabaseKind) {
  const env = await buildTestApp(t, kind);
  const db = env.handle.db;
  const ministry = await env.ministryToken('MSGIV');
  const kaz = await env.roleToken('kaz');
  const { id: solutionId, solutionEvent } = await solutionInRollout(env, ministry, 'kreis');
  const mailingId = await insertBareMailing(db, solutionId);
  const secret = await getLinkSecret(db);
  const issue = async (ars: string, purpose: LinkPurpose, expiresAt = new Date(env.clock.now.getTime() + 30 * DAY)) => {
    const urls = await issueResponseLinks(db, { secret, solutionId, ars, mailingId, purposes: [purpose], expiresAt, baseUrl: 'http://efa.test' });
    return new URL(urls[purpose]!).pathname;
  };
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: Record<string, unknown>) =>
    env.app.inject({ method, url: `/api/v1${url}`, headers: bearer(kaz), ...(payload ? { payload } : {}) });
  return { env, db, solutionId, solutionEvent, issue, api };
}

/** Resolves a relative href of the page at `from` the way a browser does. */
const resolve = (from: string, href: string) => new URL(href, `http://efa.test${from}`).pathname;

/** Reports a problem through the link at `path`; answers the ticket page's path and the number. */
async function report(t: Test, env: TestApp, path: string, title: string, category = 'transport') {
  const problem = `${path}/problem`;
  const response = await postForm(env, problem, [['csrf', await csrfOf(env, problem)], ['kategorie', category], ['betreff', title], ['beschreibung', `Beschreibung: ${title}`]]);
  t.equal(response.statusCode, 200, response.body);
  t.match(response.body, 'Ihr Problem ist gemeldet');
  const href = /<a href="([^"]+\/tickets\/(\d+))">/.exec(response.body)!;
  return { ticketPage: resolve(problem, href[1]!.replaceAll(escapeText('&'), '&')), number: Number(href[2]) };
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: an authority reports a problem, sees the public timeline, answers and reopens`, async (t) => {
    const { env, db, solutionId, issue, api } = await setUp(t, kind);
    const interesse = await issue(BARNIM, 'interesse');

    const answerPage = await env.app.inject({ url: interesse });
    t.equal(answerPage.statusCode, 200);
    const reportHref = /<a href="([^"]+)">Problem melden<\/a>/.exec(answerPage.body)?.[1];
    t.ok(reportHref, 'the answer page links to the report form');
    t.equal(resolve(interesse, reportHref!), `${interesse}/problem`, 'a relative link to the report form');

    const form = await env.app.inject({ url: `${interesse}/problem` });
    t.equal(form.statusCode, 200);
    t.equal(form.headers['cache-control'], 'no-store');
    t.match(form.headers['content-security-policy'], /default-src 'none'/);
    t.match(form.body, '<select id="f-kategorie" name="kategorie"');
    t.match(form.body, 'Transport (FIT-Connect, OSCI-XTA, DVDV)');
    t.match(form.body, 'BundID (Nutzerkonto)');
    const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)![1]!;

    const empty = await postForm(env, `${interesse}/problem`, [['csrf', csrf], ['betreff', 'x'.repeat(201)]]);
    t.equal(empty.statusCode, 422);
    for (const field of ['kategorie', 'betreff', 'beschreibung']) t.match(empty.body, `href="#f-${field}"`, `the summary names ${field}`);
    t.match(empty.body, `value="${'x'.repeat(201)}"`, 'the form is filled again');
    const nul = await postForm(env, `${interesse}/problem`, [['csrf', csrf], ['kategorie', 'transport'], ['betreff', 'x'], ['beschreibung', 'a\u0000b']]);
    t.equal(nul.statusCode, 422);
    t.match(nul.body, 'href="#f-beschreibung">„Beschreibung“ enthielt Zeichen, die nicht gespeichert werden können', 'the form names the field with the NUL byte');
    t.match(nul.body, /<textarea id="f-beschreibung"[^>]*>ab<\/textarea>/, 'and keeps its text, without the NUL byte');
    t.match(nul.body, 'value="x"', 'the other fields are kept');
    const bell = await postForm(env, `${interesse}/problem`, [['csrf', csrf], ['kategorie', 'transport'], ['betreff', 'Signal\u0007'], ['beschreibung', 'Zeile 1\r\nZeile 2\tEnde']]);
    t.equal(bell.statusCode, 422, 'a control character in the Betreff');
    t.match(bell.body, 'href="#f-betreff">„Betreff“ enthielt Zeichen');
    t.match(bell.body, /id="f-betreff" name="betreff" value="Signal"/, 'the Betreff is kept without the control character');
    t.notMatch(bell.body, 'href="#f-beschreibung"', 'line breaks and tabs are text');
    const latin1 = await env.app.inject({
      method: 'POST',
      url: `${interesse}/problem`,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1', origin: OWN_ORIGIN, host: new URL(OWN_ORIGIN).host },
      payload: `csrf=${encodeURIComponent(csrf)}&kategorie=transport&betreff=Gr%FC%DFe&beschreibung=x`,
    });
    t.equal(latin1.statusCode, 422, 'a form not in UTF-8 is refused, not stored with replacement characters');
    t.match(latin1.body, 'href="#f-betreff">„Betreff“ enthielt Zeichen');
    t.match(latin1.body, /id="f-betreff" name="betreff" value="Gre"/, 'what could be decoded is kept');
    const valid: Array<[string, string]> = [['kategorie', 'transport'], ['betreff', 'OSCI <Nachrichten> fehlen'], ['beschreibung', 'Seit Montag']];
    t.equal((await postForm(env, `${interesse}/problem`, [['csrf', csrf], ...valid], { origin: 'https://evil.example' })).statusCode, 403, 'forged Origin');
    t.equal((await postForm(env, `${interesse}/problem`, [['csrf', 'x'.repeat(43)], ...valid])).statusCode, 403, 'wrong CSRF value');
    t.equal((await db.selectFrom('ticket').select('id').execute()).length, 0, 'nothing written so far');

    const reported = await postForm(env, `${interesse}/problem`, [['csrf', csrf], ...valid]);
    t.equal(reported.statusCode, 200, reported.body);
    t.match(reported.body, 'Ihr Problem ist gemeldet');
    const href = /<a href="([^"]+\/tickets\/(\d+))">/.exec(reported.body)!;
    t.match(href[1], /^\.\.\/[A-Za-z0-9_-]{43}\/tickets\/\d+$/, 'a relative link to the ticket page');
    const ticketPage = resolve(`${interesse}/problem`, href[1]!);
    const ticketLink = ticketPage.replace(/\/tickets\/\d+$/, '');
    const number = Number(href[2]);

    // the Kaz queue
    const queue = (await api('GET', `/tickets?solutionId=${solutionId}`)).json();
    t.equal(queue.total, 1);
    const ticket = queue.items[0];
    t.match(ticket, { number, ars: BARNIM, source: 'behoerde', openedBy: `behoerde:${BARNIM}`, priority: 'normal', blocking: false, stage: 'neu', title: 'OSCI <Nachrichten> fehlen', category: 'transport' });
    const linkRow = await db.selectFrom('response_link').selectAll().where('token_hash', '=', hashLinkToken(ticketLink.split('/').pop()!)).executeTakeFirstOrThrow();
    t.match(linkRow, { purpose: 'ticket', ars: BARNIM, solution_id: solutionId, mailing_id: null, used_at: null });

    // the ticket page and the list
    let page = await env.app.inject({ url: ticketPage });
    t.equal(page.statusCode, 200, page.body);
    t.match(page.body, escapeText('OSCI <Nachrichten> fehlen'), 'escaped');
    t.match(page.body, 'eingegangen');
    t.match(page.body, 'Status: eröffnet');
    t.match(page.body, 'Seit Montag');
    t.match(page.body, '>Problem melden</a>');
    const list = await env.app.inject({ url: ticketLink });
    t.equal(list.statusCode, 200);
    t.match(list.body, `Nr. ${number}`);
    t.match(list.body, 'Neues Problem melden');
    t.equal(resolve(ticketLink, /href="([^"]+)">Nr\./.exec(list.body)![1]!), ticketPage);

    // Potsdam's ticket: not on Barnim's pages; its number is unknown under Barnim's link
    const potsdam = await report(t, env, await issue(POTSDAM, 'interesse'), 'Potsdam: ePayment streikt', 'epayment');
    t.notMatch((await env.app.inject({ url: ticketLink })).body, 'Potsdam: ePayment', 'the list shows only its own tickets');
    const unknown = await env.app.inject({ url: interesse.replace(/[^/]+$/, 'A'.repeat(43)) });
    for (const path of [`${ticketLink}/tickets/${potsdam.number}`, `${ticketLink}/tickets/abc`, `${ticketLink}/tickets/99999999999999999999`, `${ticketLink}/tickets/0`, `${interesse}/tickets/${number}`]) {
      const response = await env.app.inject({ url: path });
      t.equal(response.statusCode, 404, path);
      t.equal(response.body, unknown.body, `${path}: the same page as an unknown link`);
    }

    // the Kaz works it: an internal note, the assignee, a public answer, a question
    const url = `/tickets/${ticket.id}`;
    t.equal((await api('POST', `${url}/comments`, { text: 'GEHEIM: interner Vermerk', visibility: 'intern' })).statusCode, 201);
    t.equal((await api('PATCH', url, { assignee: 'zustaendig.vertraulich@zit-bb.example' })).statusCode, 200);
    t.equal((await api('POST', `${url}/comments`, { text: 'Bitte senden Sie das Zertifikat.', visibility: 'oeffentlich' })).statusCode, 201);
    t.equal((await api('POST', `${url}/events`, { type: 'AUF_KOMMUNE_WARTEN', grund: 'Zertifikat fehlt' })).statusCode, 200);
    page = await env.app.inject({ url: ticketPage });
    t.match(page.body, 'Bitte senden Sie das Zertifikat.', 'a public comment is shown');
    t.match(page.body, 'Status: wartet auf Ihre Antwort: Zertifikat fehlt');
    t.match(page.body, 'Antwort an das Kaz');

    const reply = await postForm(env, ticketPage, [['csrf', 'x'.repeat(43)], ['aktion', 'antwort'], ['text', 'Anbei']]);
    t.equal(reply.statusCode, 403, 'wrong CSRF on the ticket page');
    const ticketCsrf = await csrfOf(env, ticketPage);
    t.equal((await postForm(env, ticketPage, [['csrf', ticketCsrf], ['aktion', 'antwort'], ['text', 'Anbei']], { origin: 'https://evil.example' })).statusCode, 403);
    t.equal((await postForm(env, ticketPage, [['csrf', ticketCsrf], ['aktion', 'antwort'], ['text', ' ']])).statusCode, 422);
    t.equal((await postForm(env, ticketPage, [['csrf', ticketCsrf], ['aktion', 'antwort'], ['text', 'y'.repeat(5001)]])).statusCode, 422);

    env.clock.now = new Date(env.clock.now.getTime() + 60 * 60 * 1000);
    const answered = await postForm(env, ticketPage, [['csrf', ticketCsrf], ['aktion', 'antwort'], ['text', 'Das Zertifikat ist unterwegs.']]);
    t.equal(answered.statusCode, 200, answered.body);
    t.match(answered.body, 'Ihre Antwort ist beim Kaz eingegangen.');
    t.match(answered.body, 'Das Zertifikat ist unterwegs.');
    let detail = (await api('GET', url)).json();
    t.equal(detail.stage, 'in-bearbeitung', 'the reply ends the wait');
    t.equal(detail.sla.pausedSince, null, 'the SLA pause ended');
    t.ok(detail.timeline.some((e: { eventType: string; actor: string }) => e.eventType === 'KOMMUNE_ANTWORTET' && e.actor === `behoerde:${BARNIM}`));
    t.ok(detail.timeline.some((e: { kind: string; actor: string; visibility: string }) => e.kind === 'kommentar' && e.actor === `behoerde:${BARNIM}` && e.visibility === 'oeffentlich'));
    const notices = await db.selectFrom('job').select('idempotency_key').where('kind', '=', 'ticket.benachrichtigen').execute();
    t.ok(notices.some((j) => j.idempotency_key?.includes(`${ticket.id}:behoerde-antwort:`)), 'the assignee hears of the reply');

    // solved: the authority reopens within the period, and not after it
    t.equal((await api('POST', `${url}/events`, { type: 'LOESEN', loesung: 'Zertifikat im DVDV getauscht' })).statusCode, 200);
    page = await env.app.inject({ url: ticketPage });
    t.match(page.body, 'Status: gelöst');
    t.match(page.body, 'Zertifikat im DVDV getauscht');
    t.match(page.body, 'Das Problem besteht weiter');
    t.equal((await postForm(env, ticketPage, [['csrf', ticketCsrf], ['aktion', 'antwort'], ['text', 'Danke']])).statusCode, 409, 'a stale reply form does not reopen');
    const reopened = await postForm(env, ticketPage, [['csrf', ticketCsrf], ['aktion', 'wiedereroeffnen'], ['text', 'Wieder keine Zustellung']]);
    t.equal(reopened.statusCode, 200, reopened.body);
    t.match(reopened.body, 'wiedereröffnet');
    detail = (await api('GET', url)).json();
    t.match(detail, { stage: 'in-bearbeitung', context: { reopenCount: 1 } });
    t.equal((await api('POST', `${url}/events`, { type: 'LOESEN', loesung: 'Intermediär neu gestartet' })).statusCode, 200);
    env.clock.now = new Date(env.clock.now.getTime() + 15 * DAY);
    page = await env.app.inject({ url: ticketPage });
    t.match(page.body, 'nicht mehr wiedereröffnet', 'after the period the page says so');
    const comments = async () => (await db.selectFrom('ticket_comment').select('id').where('ticket_id', '=', ticket.id).execute()).length;
    const before = await comments();
    const late = await postForm(env, ticketPage, [['csrf', ticketCsrf], ['aktion', 'wiedereroeffnen'], ['text', 'Schon wieder']]);
    t.equal(late.statusCode, 409, late.body);
    t.match(late.body, 'Frist zum Wiedereröffnen');
    t.match(late.body, '>Problem melden</a>');
    t.equal((await api('GET', url)).json().stage, 'geloest');
    t.equal(await comments(), before, 'the refused reopen leaves no comment behind');

    // none of the authority's pages shows internal things
    for (const path of [ticketPage, ticketLink, interesse, `${interesse}/problem`]) {
      const body = (await env.app.inject({ url: path })).body;
      t.notMatch(body, 'GEHEIM', `${path}: no internal comment`);
      t.notMatch(body, 'zustaendig.vertraulich', `${path}: no assignee`);
    }
    t.equal((await db.selectFrom('response_link').select('used_at').where('token_hash', '=', linkRow.token_hash).executeTakeFirstOrThrow()).used_at, null, 'the ticket link is never used up');
  });

  t.test(`${kind}: which links take a report, the authority's reply is no first response, the limits`, async (t) => {
    const { env, db, solutionId, solutionEvent, issue, api } = await setUp(t, kind);

    // an answered link still takes reports, and its already-answered page offers it
    const interesse = await issue(BARNIM, 'interesse');
    const answered = await postForm(env, interesse, [['csrf', await csrfOf(env, interesse)], ['wahl', 'interesse']]);
    t.equal(answered.statusCode, 200, answered.body);
    t.match(answered.body, '>Problem melden</a>', 'the thanks page offers the report');
    const again = await env.app.inject({ url: interesse });
    t.equal(again.statusCode, 409);
    t.match(again.body, '>Problem melden</a>', 'the already-answered page offers the report');
    const { ticketPage, number } = await report(t, env, interesse, 'Nach der Antwort gemeldet');

    // the authority's own message in neu is no first response of the Kaz
    const csrf = await csrfOf(env, ticketPage);
    t.equal((await postForm(env, ticketPage, [['csrf', csrf], ['aktion', 'antwort'], ['text', 'Noch ein Hinweis']])).statusCode, 200);
    const ticket = (await api('GET', `/tickets?solutionId=${solutionId}`)).json().items.find((i: { number: number }) => i.number === number);
    t.match(ticket, { stage: 'neu', sla: { firstRespondedAt: null } });

    // expired, superseded, unknown links take none
    const expired = await issue(POTSDAM, 'bereitschaft', new Date(env.clock.now.getTime() + DAY));
    const superseded = await issue(POTSDAM, 'bus-bb');
    await db.updateTable('response_link').set({ superseded_at: env.clock.now }).where('token_hash', '=', hashLinkToken(superseded.split('/').pop()!)).execute();
    const expiredCsrf = await csrfOf(env, `${expired}/problem`);
    env.clock.now = new Date(env.clock.now.getTime() + 2 * DAY);
    const fields: Array<[string, string]> = [['csrf', expiredCsrf], ['kategorie', 'sonstiges'], ['betreff', 'x'], ['beschreibung', 'y']];
    t.equal((await env.app.inject({ url: `${expired}/problem` })).statusCode, 410);
    t.equal((await postForm(env, `${expired}/problem`, fields)).statusCode, 410, 'an expired link');
    const supersededPage = await env.app.inject({ url: `${superseded}/problem` });
    t.equal(supersededPage.statusCode, 410);
    t.match(supersededPage.body, 'nicht mehr gültig');
    t.notMatch(supersededPage.body, '>Problem melden</a>');
    t.equal((await env.app.inject({ url: `/antwort/${'B'.repeat(43)}/problem` })).statusCode, 404);
    t.equal((await db.selectFrom('ticket').select('id').where('ars', '=', POTSDAM).execute()).length, 0);

    // the open-ticket limit: Barnim has one open report already
    for (let i = 1; i < MAX_OPEN_REPORTS; i++) await report(t, env, interesse, `Meldung ${i}`);
    const problem = `${interesse}/problem`;
    const tooMany = await postForm(env, problem, [['csrf', await csrfOf(env, problem)], ['kategorie', 'sonstiges'], ['betreff', 'eine zu viel'], ['beschreibung', 'y']]);
    t.equal(tooMany.statusCode, 409, tooMany.body);
    t.match(tooMany.body, 'Bitte wenden Sie sich direkt an das Kommunale Anwendungszentrum');
    t.equal((await db.selectFrom('ticket').select('id').where('ars', '=', BARNIM).execute()).length, MAX_OPEN_REPORTS);

    // an ended rollout takes no reports
    const potsdam = await issue(POTSDAM, 'interesse');
    const potsdamCsrf = await csrfOf(env, `${potsdam}/problem`);
    await solutionEvent({ type: 'ABBRECHEN', reason: 'Lösung wird eingestellt' });
    const ended = await postForm(env, `${potsdam}/problem`, [['csrf', potsdamCsrf], ['kategorie', 'sonstiges'], ['betreff', 'x'], ['beschreibung', 'y']]);
    t.equal(ended.statusCode, 409, ended.body);
    t.match(ended.body, 'keine neuen Meldungen mehr möglich');
  });
}
