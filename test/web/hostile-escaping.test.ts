import t, { type Test } from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import type { LinkPurpose } from '../../src/db/schema.ts';
import { sendParticipantEvent } from '../../src/solutions/participant.target.ts';
import { deriveCsrfToken, getLinkSecret, hashLinkToken } from '../../src/links/link.service.ts';
import { escapeText } from '../../src/markup/html.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { issueLinkPath } from '../helpers/links.ts';
import { completeChecklist } from '../helpers/pilots.ts';
import { sendErstinformation } from '../helpers/rollout.ts';
import { insertBareMailing } from '../helpers/rows.ts';
import { OWN_ORIGIN, csrfOf, postForm } from '../helpers/forms.ts';

/**
 * Every page a person opens (the answer forms in each state, the thanks and
 * already-answered pages, the pilot page, the BUS-BB form, the ticket pages, the pages
 * for a link that cannot be used, the error pages, the start page) escapes what it shows:
 * an authority name, a solution title, a contact, a reason and a comment that carry
 * markup reach the browser as text. Rendered through the real routes with real links.
 */

const ATTACK = `<script>alert(1)</script> "onmouseover="x ' onfocus='x </textarea><img src=x onerror=alert(1)>`;
const hostile = (label: string) => `${label} ${ATTACK}`;

const NAME = hostile('Amt');
const TITLE = hostile('Elterngeld');
const CONTACT = hostile('Frau');
const COMMENT = hostile('Bemerkung');
const REASON = hostile('Grund');
const TICKET_TITLE = hostile('Betreff');
const TICKET_TEXT = hostile('Beschreibung');
const KAZ_TEXT = hostile('Kaz');
const KAZ_QUESTION = hostile('Frage');
const REPLY = hostile('Antwort');

const POTSDAM = '120540000000';
const COTTBUS = '120520000000';
const BARNIM = '120600000000';
const HAVELLAND = '120630000000';
const OBERHAVEL = '120650000000';
const ODER_SPREE = '120670000000';
const DAHME_SPREEWALD = '120610000000';
const DAY = 24 * 60 * 60 * 1000;

/** What must never appear raw in a page: the markup and the attributes the hostile values carry. */
const RAW_ATTACKS = [/<script/i, /<img/i, /<\/textarea><img/i, /\bon(mouseover|focus|error)\s*=/i, /"onmouseover="/, /' onfocus='/];

/** The page is HTML, carries none of the attacks raw, and shows each of `shown` as escaped text. */
function assertEscaped(t: Test, what: string, response: LightMyRequestResponse, status: number | number[], shown: readonly string[]) {
  t.ok(([] as number[]).concat(status).includes(response.statusCode), `${what}: status ${response.statusCode}`);
  t.match(response.headers['content-type'], /^text\/html; charset=utf-8/, `${what}: HTML`);
  for (const attack of RAW_ATTACKS) t.notMatch(response.body, attack, `${what}: no raw ${attack}`);
  for (const text of shown) t.ok(response.body.includes(escapeText(text)), `${what}: shows ${JSON.stringify(text.slice(0, 12))}… as text`);
}

/** Resolves a relative href of the page at `from` the way a browser does. */
const resolve = (from: string, href: string) => new URL(href.replaceAll(escapeText('&'), '&'), `http://efa.test${from}`).pathname;

/** A Kreis-level solution with a hostile title and contact, its participants informed, their names hostile. */
async function hostileRollout(t: Test, kind: Parameters<typeof buildTestApp>[1]) {
  const env = await buildTestApp(t, kind);
  const db = env.handle.db;
  const ministry = await env.ministryToken('MSGIV');
  const created = await env.app.inject({
    method: 'POST',
    url: '/api/v1/solutions',
    headers: bearer(ministry),
    payload: { title: TITLE, ozgId: '10310', leikaKeys: ['99036005000000'], responsibility: { level: 'kreis' } },
  });
  t.equal(created.statusCode, 201, created.body);
  const solutionId: string = created.json().id;
  const started = await env.app.inject({ method: 'POST', url: `/api/v1/solutions/${solutionId}/events`, headers: bearer(ministry), payload: { type: 'ERSTINFORMATION_STARTEN' } });
  t.equal(started.statusCode, 200, started.body);
  await sendErstinformation(env, ministry, solutionId);
  const details = await env.app.inject({
    method: 'PUT',
    url: `/api/v1/solutions/${solutionId}/mail-details`,
    headers: bearer(ministry),
    payload: { kontaktName: CONTACT, kontaktEmail: 'ozg@msgiv.example', kontaktTelefon: `0331 ${`"'<b>`}` },
  });
  t.equal(details.statusCode, 200, details.body);
  await db.updateTable('authority').set({ name: NAME }).execute();
  const mailingId = await insertBareMailing(db, solutionId);
  const issue = (ars: string, purpose: LinkPurpose) => issueLinkPath(env, { solutionId, mailingId, ars, purpose });
  const participantEvent = (ars: string, event: { type: string } & Record<string, unknown>) =>
    sendParticipantEvent(env.engine, { solutionId, ars, event, actor: 'ministerium:MSGIV:test', origin: 'system' });
  const kaz = await env.roleToken('kaz');
  const kazApi = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: Record<string, unknown>) =>
    env.app.inject({ method, url: `/api/v1${url}`, headers: bearer(kaz), ...(payload ? { payload } : {}) });
  return { env, db, solutionId, ministry, issue, participantEvent, kazApi };
}

/** The blocks every page of a valid link shows: the authority, the solution, the ministry's contact. */
const ABOUT = [NAME, TITLE, CONTACT];

for (const kind of databaseKinds()) {
  t.test(`${kind}: every page escapes a hostile name, reason and comment`, async (t) => {
    const { env, db, solutionId, ministry, issue, participantEvent, kazApi } = await hostileRollout(t, kind);

    // --- the interest form: fresh, sent back with errors, thanks, already answered, expired
    const interest = await issue(POTSDAM, 'interesse');
    assertEscaped(t, 'interest form', await env.app.inject({ url: interest }), 200, ABOUT);
    const interestCsrf = await csrfOf(env, interest);
    assertEscaped(t, 'interest form with errors', await postForm(env, interest, [['csrf', interestCsrf], ['freitext', COMMENT]]), 422, [...ABOUT, COMMENT]);
    assertEscaped(t, 'interest thanks', await postForm(env, interest, [['csrf', interestCsrf], ['wahl', 'interesse'], ['freitext', COMMENT]]), 200, [...ABOUT, COMMENT]);
    assertEscaped(t, 'already answered', await env.app.inject({ url: interest }), 409, [...ABOUT, COMMENT]);
    await db
      .updateTable('response_link')
      .set({ expires_at: new Date(env.clock.now.getTime() - 1000) })
      .where('token_hash', '=', hashLinkToken(interest.split('/').pop()!))
      .execute();
    assertEscaped(t, 'expired, answered', await env.app.inject({ url: interest }), 410, [...ABOUT, COMMENT]);

    // --- the pilot application
    const pilot = await issue(COTTBUS, 'pilot');
    assertEscaped(t, 'pilot application form', await env.app.inject({ url: pilot }), 200, ABOUT);
    assertEscaped(t, 'pilot application thanks', await postForm(env, pilot, [['csrf', await csrfOf(env, pilot)], ['freitext', COMMENT]]), 200, [...ABOUT, COMMENT]);
    // a pilot candidate's working page is not open yet
    assertEscaped(t, 'not a confirmed pilot', await env.app.inject({ url: await issue(COTTBUS, 'pilotbetrieb') }), 409, ABOUT);

    // --- readiness: invited authorities; a reason and an explanation
    for (const ars of [HAVELLAND, ODER_SPREE]) await participantEvent(ars, { type: 'EINLADEN', wave: 'Welle 1', fristTage: 14 });
    const readiness = await issue(HAVELLAND, 'bereitschaft');
    assertEscaped(t, 'readiness form', await env.app.inject({ url: readiness }), 200, ABOUT);
    const readinessCsrf = await csrfOf(env, readiness);
    const refused = await postForm(env, readiness, [['csrf', readinessCsrf], ['status', 'nicht-bereit'], ['ab', REASON], ['freitext', COMMENT]]);
    assertEscaped(t, 'readiness form with errors', refused, 422, [...ABOUT, REASON, COMMENT]);
    const notReady = await postForm(env, readiness, [['csrf', readinessCsrf], ['status', 'nicht-bereit'], ['gruende', 'sonstiges'], ['freitext', REASON]]);
    assertEscaped(t, 'readiness thanks', notReady, 200, [...ABOUT, REASON]);

    // --- the BUS-BB form
    const busBb = await issue(ODER_SPREE, 'bus-bb');
    assertEscaped(t, 'BUS-BB form', await env.app.inject({ url: busBb }), 200, ABOUT);
    const busBbCsrf = await csrfOf(env, busBb);
    const badUrl = `https://dienst.example/?a="onmouseover="x&b=${ATTACK}`;
    assertEscaped(t, 'BUS-BB form with errors', await postForm(env, busBb, [['csrf', busBbCsrf], ['onlineDienstUrl', badUrl], ['verknuepftAm', REASON]]), 422, [...ABOUT, badUrl, REASON]);
    const yesterday = new Date(env.clock.now.getTime() - DAY).toISOString().slice(0, 10);
    const linkedUrl = `https://dienst.example/antrag?a=b&c='d'`;
    const linked = await postForm(env, busBb, [['csrf', busBbCsrf], ['onlineDienstUrl', linkedUrl], ['verknuepftAm', yesterday], ['schritte', 'online-dienst-angelegt']]);
    assertEscaped(t, 'BUS-BB thanks', linked, 200, [...ABOUT, linkedUrl]);
    // a question the authority has moved past: no form, the stage in words
    assertEscaped(t, 'question made moot', await env.app.inject({ url: await issue(ODER_SPREE, 'bereitschaft') }), 409, ABOUT);

    // --- the pilot's working page: checklist reasons, the go-live form
    const barnimInterest = await issue(BARNIM, 'interesse');
    t.equal((await postForm(env, barnimInterest, [['csrf', await csrfOf(env, barnimInterest)], ['wahl', 'pilot']])).statusCode, 200);
    const barnimReadiness = await issue(BARNIM, 'bereitschaft');
    t.equal((await postForm(env, barnimReadiness, [['csrf', await csrfOf(env, barnimReadiness)], ['status', 'bereit']])).statusCode, 200);
    const pilotPage = await issue(BARNIM, 'pilotbetrieb');
    const opened = await env.app.inject({ url: pilotPage });
    assertEscaped(t, 'pilot page', opened, 200, ABOUT);
    const keys = [...opened.body.matchAll(/name="status-([^"]+)" value="offen"/g)].map((match) => match[1]!);
    t.ok(keys.length >= 2, 'the checklist has items');
    const pilotCsrf = await csrfOf(env, pilotPage);
    const saved = await postForm(env, pilotPage, [['csrf', pilotCsrf], ['aktion', 'checkliste'], [`status-${keys[0]}`, 'entfaellt'], [`grund-${keys[0]}`, REASON]]);
    assertEscaped(t, 'pilot page, checklist saved', saved, 200, [...ABOUT, REASON]);
    const missingReason = await postForm(env, pilotPage, [
      ['csrf', pilotCsrf],
      ['aktion', 'checkliste'],
      [`status-${keys[1]}`, 'entfaellt'],
      [`grund-${keys[1]}`, ''],
      [`status-${keys[0]}`, 'entfaellt'],
      [`grund-${keys[0]}`, COMMENT],
    ]);
    assertEscaped(t, 'pilot page, checklist with errors', missingReason, 422, [...ABOUT, COMMENT]);
    const earlyLive = await postForm(env, pilotPage, [['csrf', pilotCsrf], ['aktion', 'live'], ['onlineDienstUrl', badUrl], ['verknuepftAm', REASON]]);
    assertEscaped(t, 'pilot page, go-live refused', earlyLive, [409, 422], [...ABOUT, badUrl, REASON]);
    await completeChecklist(env, ministry, solutionId, BARNIM);
    const live = await postForm(env, pilotPage, [['csrf', pilotCsrf], ['aktion', 'live'], ['onlineDienstUrl', linkedUrl], ['verknuepftAm', yesterday]]);
    assertEscaped(t, 'go-live thanks', live, 200, [...ABOUT, linkedUrl]);

    // --- the ticket pages: report, reported, the ticket with the Kaz's words, the reply, the list
    const reportFrom = await issue(OBERHAVEL, 'interesse');
    const problem = `${reportFrom}/problem`;
    assertEscaped(t, 'problem form', await env.app.inject({ url: problem }), 200, ABOUT);
    const problemCsrf = await csrfOf(env, problem);
    const incomplete = await postForm(env, problem, [['csrf', problemCsrf], ['betreff', TICKET_TITLE], ['beschreibung', TICKET_TEXT]]);
    assertEscaped(t, 'problem form with errors', incomplete, 422, [...ABOUT, TICKET_TITLE, TICKET_TEXT]);
    const reported = await postForm(env, problem, [['csrf', problemCsrf], ['kategorie', 'transport'], ['betreff', TICKET_TITLE], ['beschreibung', TICKET_TEXT]]);
    assertEscaped(t, 'problem reported', reported, 200, ABOUT);
    const ticketPage = resolve(problem, /<a href="([^"]+\/tickets\/\d+)">/.exec(reported.body)![1]!);
    const ticketLink = ticketPage.replace(/\/tickets\/\d+$/, '');
    assertEscaped(t, 'ticket page', await env.app.inject({ url: ticketPage }), 200, [...ABOUT, TICKET_TITLE, TICKET_TEXT]);
    const queue = (await kazApi('GET', `/tickets?solutionId=${solutionId}`)).json();
    const ticketUrl = `/tickets/${queue.items.find((item: { ars: string }) => item.ars === OBERHAVEL).id}`;
    t.equal((await kazApi('POST', `${ticketUrl}/comments`, { text: KAZ_TEXT, visibility: 'oeffentlich' })).statusCode, 201);
    t.equal((await kazApi('POST', `${ticketUrl}/events`, { type: 'AUF_KOMMUNE_WARTEN', grund: KAZ_QUESTION })).statusCode, 200);
    assertEscaped(t, 'ticket page with the Kaz question', await env.app.inject({ url: ticketPage }), 200, [...ABOUT, TICKET_TITLE, KAZ_TEXT, KAZ_QUESTION]);
    const ticketCsrf = await csrfOf(env, ticketPage);
    assertEscaped(t, 'ticket reply with errors', await postForm(env, ticketPage, [['csrf', ticketCsrf], ['aktion', 'antwort'], ['text', ` ${' '.repeat(3)}`]]), 422, ABOUT);
    assertEscaped(t, 'ticket reply too long', await postForm(env, ticketPage, [['csrf', ticketCsrf], ['aktion', 'antwort'], ['text', `${REPLY}${'x'.repeat(5001)}`]]), 422, [...ABOUT, REPLY]);
    assertEscaped(t, 'ticket reply sent', await postForm(env, ticketPage, [['csrf', ticketCsrf], ['aktion', 'antwort'], ['text', REPLY]]), 200, [...ABOUT, REPLY, KAZ_TEXT]);
    assertEscaped(t, 'ticket list', await env.app.inject({ url: ticketLink }), 200, [...ABOUT, TICKET_TITLE]);

    // --- links that cannot be used, and the error pages
    const superseded = await issue(DAHME_SPREEWALD, 'interesse');
    await db.updateTable('response_link').set({ superseded_at: env.clock.now }).where('token_hash', '=', hashLinkToken(superseded.split('/').pop()!)).execute();
    assertEscaped(t, 'superseded link', await env.app.inject({ url: superseded }), 410, ABOUT);
    assertEscaped(t, 'unknown link', await env.app.inject({ url: `/antwort/${encodeURIComponent(ATTACK)}` }), 404, []);
    const fresh = await issue(DAHME_SPREEWALD, 'bereitschaft');
    assertEscaped(t, 'form rejected', await postForm(env, fresh, [['csrf', 'x'.repeat(43)], ['freitext', COMMENT]]), 403, []);
    assertEscaped(t, 'form from another site', await postForm(env, fresh, [['csrf', 'x'], ['freitext', COMMENT]], { origin: 'https://evil.example' }), 403, []);
    const json = await env.app.inject({ method: 'POST', url: fresh, headers: { 'content-type': 'application/json', origin: OWN_ORIGIN, host: new URL(OWN_ORIGIN).host }, payload: { freitext: COMMENT } });
    assertEscaped(t, 'not a form (415)', json, 415, []);
    assertEscaped(t, 'invalid characters in the address', await env.app.inject({ url: `${fresh}?${encodeURIComponent(ATTACK)}=%00` }), 422, []);
    const listCsrf = deriveCsrfToken(await getLinkSecret(db), hashLinkToken(ticketLink.split('/').pop()!));
    assertEscaped(t, 'a POST to the ticket list (405)', await postForm(env, ticketLink, [['csrf', listCsrf], ['text', REPLY]]), 405, []);

    // --- the start page: the program's own text, whatever the request carries
    assertEscaped(t, 'start page', await env.app.inject({ url: `/?q=${encodeURIComponent(ATTACK)}` }), 200, []);
  });
}
