import { issueLinkPath } from '../helpers/links.ts';
import t, { type Test } from 'tap';
import { toJson, type LinkPurpose } from '../../src/db/schema.ts';
import { hashLinkToken } from '../../src/links/link.service.ts';
import { DEFAULT_CHECKLIST } from '../../src/pilots/checklist.defaults.ts';
import { sendParticipantEvent } from '../../src/solutions/participant.target.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { drainSettling, sendErstinformation } from '../helpers/rollout.ts';

/**
 * Step 2 of the MIK guide through the API: candidates from the three sources, the
 * selection, each pilot's checklist with the ministry's own item, meetings, ZIT-BB, the
 * go-live gate on the event route and on the pilot's own page, the override, lessons
 * learned – and every change in the history with who made it.
 */

const POTSDAM = '120540000000';
const COTTBUS = '120520000000';
const BRANDENBURG_HAVEL = '120510000000';
const FRANKFURT_ODER = '120530000000';
const BARNIM = '120600000000';
const ODER_SPREE = '120670000000';
const DAY = 24 * 60 * 60 * 1000;

const day = (env: TestApp, offsetDays: number) => new Date(env.clock.now.getTime() + offsetDays * DAY).toISOString().slice(0, 10);

async function pilotPhase(t: Test, kind: ReturnType<typeof databaseKinds>[number]) {
  const env = await buildTestApp(t, kind);
  const ministry = await env.ministryToken('MSGIV');
  const kaz = await env.roleToken('kaz');
  const redaktion = await env.roleToken('landesredaktion');
  const created = await env.app.inject({
    method: 'POST',
    url: '/api/v1/solutions',
    headers: bearer(ministry),
    payload: { title: 'Elterngeld digital', ozgId: '10310', leikaKeys: ['99036005000000'], responsibility: { level: 'kreis' } },
  });
  t.equal(created.statusCode, 201, created.body);
  const solutionId: string = created.json().id;
  const base = `/api/v1/solutions/${solutionId}`;
  const call = (token: string, method: 'GET' | 'POST' | 'PUT', path: string, payload?: unknown) =>
    env.app.inject({ method, url: `${base}${path}`, headers: bearer(token), ...(payload === undefined ? {} : { payload: payload as object }) });
  t.equal((await call(ministry, 'POST', '/events', { type: 'ERSTINFORMATION_STARTEN' })).statusCode, 200);
  const { mailingId } = await sendErstinformation(env, ministry, solutionId);
  t.equal((await call(ministry, 'POST', '/events', { type: 'PILOTPHASE_STARTEN' })).json().stage, 'pilotphase');

  const issue = (ars: string, purpose: LinkPurpose) => issueLinkPath(env, { solutionId, mailingId, ars, purpose });
  const event = (ars: string, body: Record<string, unknown>, token = ministry) => call(token, 'POST', `/participants/${ars}/events`, body);
  return { env, ministry, kaz, redaktion, solutionId, base, call, issue, event };
}

interface HistoryItem {
  participantArs: string | null;
  eventType: string;
  actor: string;
  fromStage: string;
  toStage: string;
  event: Record<string, unknown>;
}

/** A form as a browser sends it (no Origin: left to the CSRF value, which every form carries). */
async function openPage(env: TestApp, path: string) {
  const page = await env.app.inject({ url: path });
  return { page, csrf: /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '' };
}

async function postForm(env: TestApp, path: string, fields: Array<[string, string]>) {
  const { csrf } = await openPage(env, path);
  return env.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams([['csrf', csrf], ...fields]).toString(),
  });
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: candidates from three sources, selection and the candidate list`, async (t) => {
    const { env, ministry, kaz, call, issue, event } = await pilotPhase(t, kind);

    // 1. self-application through the pilot link
    const applied = await postForm(env, await issue(POTSDAM, 'pilot'), [['freitext', 'Fachverfahren: Beispiel-EG']]);
    t.equal(applied.statusCode, 200, applied.body);

    // 2. suggested by a Spitzenverband, entered by the ministry
    const suggested = await event(COTTBUS, {
      type: 'PILOT_VORSCHLAGEN',
      quelle: 'spitzenverband',
      spitzenverband: 'staedte-und-gemeindebund',
      vorgeschlagenVon: 'StGB Brandenburg, Referat Digitalisierung',
      vorgeschlagenAm: day(env, -2),
    });
    t.equal(suggested.statusCode, 200, suggested.body);
    t.equal(suggested.json().stage, 'pilot-kandidat');

    // 3. the ministry's own choice
    t.equal((await event(BARNIM, { type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium' })).statusCode, 200);

    for (const [body, field] of [
      [{ type: 'PILOT_VORSCHLAGEN', quelle: 'spitzenverband' }, '/body/spitzenverband'],
      [{ type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium', spitzenverband: 'landkreistag' }, '/body/spitzenverband'],
      [{ type: 'PILOT_VORSCHLAGEN', quelle: 'spitzenverband', spitzenverband: 'landkreistag', vorgeschlagenAm: day(env, 2) }, '/body/vorgeschlagenAm'],
      [{ type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium', vorgeschlagenAm: '2025-02-30' }, '/body/vorgeschlagenAm'],
      [{ type: 'PILOT_VORSCHLAGEN', quelle: 'selbst' }, '/body/quelle'],
      [{ type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium', vorgeschlagenVon: 'x'.repeat(201) }, '/body/vorgeschlagenVon'],
      [{ type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium', unbekannt: 1 }, '/body'],
    ] as const) {
      const refused = await event(ODER_SPREE, body);
      t.equal(refused.statusCode, 422, `${JSON.stringify(body)}: ${refused.body}`);
      t.match(refused.headers['content-type'], /application\/problem\+json/);
      t.ok(refused.json().errors.some((error: { field: string }) => error.field.startsWith(field)), `names ${field}: ${refused.body}`);
    }
    t.equal((await event(ODER_SPREE, { type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium' }, kaz)).statusCode, 403, 'the Kaz does not select pilots');

    const candidates = await call(kaz, 'GET', '/pilot-candidates');
    t.equal(candidates.statusCode, 200, candidates.body);
    const bySource = Object.fromEntries(candidates.json().items.map((c: { ars: string }) => [c.ars, c]));
    t.equal(candidates.json().total, 3);
    t.match(bySource[POTSDAM], { quelle: 'selbst', stage: 'pilot-kandidat', spitzenverband: null, entscheidung: null });
    t.match(bySource[COTTBUS], {
      quelle: 'spitzenverband',
      spitzenverband: 'staedte-und-gemeindebund',
      vorgeschlagenVon: 'StGB Brandenburg, Referat Digitalisierung',
      vorgeschlagenAm: day(env, -2),
    });
    t.match(bySource[BARNIM], { quelle: 'ministerium', vorgeschlagenVon: null });
    t.ok(Date.parse(bySource[BARNIM].seit) > 0, 'since when');

    // selection: decline, put back, confirm
    const noReason = await event(BARNIM, { type: 'PILOT_ABLEHNEN' });
    t.equal(noReason.statusCode, 422);
    t.equal(noReason.json().errors[0].field, '/body/reason');
    t.equal((await event(BARNIM, { type: 'PILOT_ABLEHNEN', reason: 'Fachverfahren nicht angebunden' })).json().stage, 'interessiert');
    t.equal((await event(COTTBUS, { type: 'PILOT_ZURUECKSTELLEN', reason: 'erst nach der Wahl' })).json().stage, 'interessiert');
    t.equal((await event(POTSDAM, { type: 'PILOT_BESTAETIGEN' })).json().stage, 'pilot-bestaetigt');
    t.equal((await event(BARNIM, { type: 'PILOT_ABLEHNEN', reason: 'nochmal' })).statusCode, 409, 'a declined candidate is no candidate');

    const after = Object.fromEntries((await call(ministry, 'GET', '/pilot-candidates')).json().items.map((c: { ars: string }) => [c.ars, c]));
    t.match(after[BARNIM], { stage: 'interessiert', quelle: 'ministerium', entscheidung: { art: 'abgelehnt', reason: 'Fachverfahren nicht angebunden' } });
    t.match(after[COTTBUS], { stage: 'interessiert', entscheidung: { art: 'zurueckgestellt', reason: 'erst nach der Wahl' } });
    t.match(after[POTSDAM], { stage: 'pilot-bestaetigt', entscheidung: { art: 'bestaetigt', reason: null } });
    const onlyConfirmed = await call(ministry, 'GET', '/pilot-candidates?stage=pilot-bestaetigt&quelle=selbst');
    t.same(onlyConfirmed.json().items.map((c: { ars: string }) => c.ars), [POTSDAM]);
    t.equal((await call(ministry, 'GET', '/pilot-candidates?quelle=verband')).statusCode, 422);

    const history = (await call(ministry, 'GET', `/history?ars=${COTTBUS}`)).json().items;
    const suggestion = history.find((entry: { eventType: string }) => entry.eventType === 'PILOT_VORSCHLAGEN');
    t.match(suggestion, { actor: /^ministerium:MSGIV:/, fromStage: 'informiert', toStage: 'pilot-kandidat', event: { spitzenverband: 'staedte-und-gemeindebund' } });
  });

  t.test(`${kind}: checklist, meetings, ZIT-BB and the go-live gate through the API and the pilot's page`, async (t) => {
    const { env, ministry, kaz, redaktion, solutionId, call, issue, event } = await pilotPhase(t, kind);
    for (const body of [{ type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium' }, { type: 'PILOT_BESTAETIGEN' }]) {
      t.equal((await event(POTSDAM, body)).statusCode, 200);
    }

    // the confirmation mails the pilot its own page
    await drainSettling(env);
    const invitation = await env.handle.db
      .selectFrom('mail_message as m')
      .innerJoin('mailing as g', 'g.id', 'm.mailing_id')
      .select(['m.status', 'g.created_by'])
      .where('g.solution_id', '=', solutionId)
      .where('g.kind', '=', 'pilot-einladung')
      .where('m.ars', '=', POTSDAM)
      .execute();
    t.match(invitation, [{ status: 'angenommen', created_by: /^system:pilot-bestaetigt:/ }], 'one pilot-einladung, sent');
    const pageLink = await env.handle.db.selectFrom('response_link').select(['purpose', 'used_at']).where('solution_id', '=', solutionId).where('ars', '=', POTSDAM).where('purpose', '=', 'pilotbetrieb').execute();
    t.match(pageLink, [{ purpose: 'pilotbetrieb', used_at: null }], 'the mail carries the link of the pilot’s page');

    // the default checklist, then the ministry's own item for all its pilots
    const initial = await call(kaz, 'GET', `/pilots/${POTSDAM}/checklist`);
    t.equal(initial.statusCode, 200, initial.body);
    t.same(initial.json().items.map((item: { key: string }) => item.key), DEFAULT_CHECKLIST.map((item) => item.key));
    t.ok(initial.json().items.every((item: { status: string }) => item.status === 'offen'));
    t.equal(initial.json().vollstaendig, false);
    t.equal((await call(redaktion, 'GET', `/pilots/${POTSDAM}/checklist`)).statusCode, 403, 'the Landesredaktion does not work pilots');
    t.equal((await call(kaz, 'POST', '/pilot-checklist-items', { label: 'Schulung' })).statusCode, 403, 'own items are the ministry’s');
    const blankLabel = await call(ministry, 'POST', '/pilot-checklist-items', { label: ' ' });
    t.equal(blankLabel.statusCode, 422);
    t.equal(blankLabel.json().errors[0].field, '/body/label');
    const own = await call(ministry, 'POST', '/pilot-checklist-items', { label: 'Schulung der Sachbearbeitung' });
    t.equal(own.statusCode, 201, own.body);
    t.same(own.json(), { key: 'eigen-1', label: 'Schulung der Sachbearbeitung', optional: false, eigen: true });
    t.equal((await call(kaz, 'GET', '/pilot-checklist-items')).json().items.length, DEFAULT_CHECKLIST.length + 1);

    // item states
    const done = await call(kaz, 'PUT', `/pilots/${POTSDAM}/checklist/avv`, { status: 'erledigt' });
    t.equal(done.statusCode, 200, done.body);
    t.match(done.json().items.find((item: { key: string }) => item.key === 'avv'), { status: 'erledigt', updatedBy: /^kaz:/ });
    const noReason = await call(ministry, 'PUT', `/pilots/${POTSDAM}/checklist/produktionstest`, { status: 'entfaellt' });
    t.equal(noReason.statusCode, 422, 'entfällt needs a reason');
    t.equal(noReason.json().errors[0].field, '/body/reason');
    t.equal((await call(ministry, 'PUT', `/pilots/${POTSDAM}/checklist/produktionstest`, { status: 'entfaellt', reason: 'kein Produktionstest vorgesehen' })).statusCode, 200);
    t.equal((await call(ministry, 'PUT', `/pilots/${POTSDAM}/checklist/bundid`, { status: 'in-arbeit' })).statusCode, 200);
    const badStatus = await call(ministry, 'PUT', `/pilots/${POTSDAM}/checklist/bundid`, { status: 'fertig' });
    t.equal(badStatus.statusCode, 422);
    t.equal(badStatus.json().errors[0].field, '/body/status');
    t.equal((await call(ministry, 'PUT', `/pilots/${POTSDAM}/checklist/unbekannt`, { status: 'erledigt' })).statusCode, 404);
    t.equal((await call(ministry, 'PUT', `/pilots/${FRANKFURT_ODER}/checklist/avv`, { status: 'erledigt' })).statusCode, 409, 'no pilot, no checklist');

    // the gate: the event route refuses with the open items
    const live = { type: 'PILOT_LIVE_MELDEN', onlineDienstUrl: 'https://elterngeld.potsdam.example', verknuepftAm: day(env, -1) };
    const gated = await event(POTSDAM, live);
    t.equal(gated.statusCode, 409, gated.body);
    t.match(gated.headers['content-type'], /application\/problem\+json/);
    const openKeys = gated.json().offenePunkte.map((item: { key: string }) => item.key);
    t.same(openKeys, ['transportweg', 'fachverfahren', 'epayment', 'bundid', 'funktionspostfach', 'support', 'bus-bb', 'eigen-1']);
    t.match(gated.json().offenePunkte[3], { key: 'bundid', status: 'in-arbeit' });
    t.match(gated.json().detail, /Checkliste/);
    // the gate is the engine's: a caller without HTTP (an effect, a later bulk route) meets it too
    const direct = await sendParticipantEvent(env.engine, { solutionId, ars: POTSDAM, event: live, actor: 'system:test', origin: 'system' });
    t.match(direct, { kind: 'precondition-failed', stage: 'pilot-bestaetigt', details: { offenePunkte: gated.json().offenePunkte } });

    // meetings
    const meeting = {
      art: 'videokonferenz',
      datum: day(env, -3),
      teilnehmende: ['Frau Beispiel (MSGIV)', 'Herr Muster (Stadt Potsdam)', 'Kaz'],
      notizen: 'Auftakt: Anbindung des Fachverfahrens',
      folgeaufgaben: ['AVV-Entwurf senden', 'DVDV-Eintrag prüfen'],
      moderiertDurchKaz: true,
    };
    const logged = await call(kaz, 'POST', `/pilots/${POTSDAM}/meetings`, meeting);
    t.equal(logged.statusCode, 201, logged.body);
    t.match(logged.json(), { ...meeting, erfasstVon: /^kaz:/ });
    for (const [body, field] of [
      [{ ...meeting, datum: '2026-02-30' }, '/body/datum'],
      [{ ...meeting, art: 'brief' }, '/body/art'],
      [{ ...meeting, teilnehmende: [] }, '/body/teilnehmende'],
      [{ ...meeting, moderiertDurchKaz: undefined }, '/body/moderiertDurchKaz'],
      [{ ...meeting, notizen: 'x'.repeat(10_001) }, '/body/notizen'],
    ] as const) {
      const refused = await call(kaz, 'POST', `/pilots/${POTSDAM}/meetings`, body);
      t.equal(refused.statusCode, 422, field);
      t.ok(refused.json().errors.some((error: { field: string }) => error.field.startsWith(field)), `names ${field}: ${refused.body}`);
    }
    t.equal((await call(kaz, 'POST', `/pilots/${FRANKFURT_ODER}/meetings`, meeting)).statusCode, 409);
    const meetings = await call(ministry, 'GET', `/pilots/${POTSDAM}/meetings`);
    t.equal(meetings.json().total, 1);
    t.equal(meetings.json().items[0].id, logged.json().id);

    // ZIT-BB / DIKOM
    t.match((await call(kaz, 'GET', `/pilots/${POTSDAM}/it-support`)).json(), { zitBb: false, dikom: false, seit: null });
    const support = await call(kaz, 'PUT', `/pilots/${POTSDAM}/it-support`, { zitBb: true, dikom: true, seit: day(env, -5), kontakt: 'Kaz, Herr Beispiel' });
    t.equal(support.statusCode, 200, support.body);
    t.match((await call(ministry, 'GET', `/pilots/${POTSDAM}/it-support`)).json(), { zitBb: true, dikom: true, seit: day(env, -5), kontakt: 'Kaz, Herr Beispiel', geaendertVon: /^kaz:/ });
    const badSupport = await call(kaz, 'PUT', `/pilots/${POTSDAM}/it-support`, { zitBb: 'ja', dikom: false });
    t.equal(badSupport.statusCode, 422);
    t.equal(badSupport.json().errors[0].field, '/body/zitBb');

    // the pilot's own page: ticks items, is refused the go-live while items are open, goes live
    const path = await issue(POTSDAM, 'pilotbetrieb');
    const { page } = await openPage(env, path);
    t.equal(page.statusCode, 200, page.body);
    t.match(page.headers['content-security-policy'], /default-src 'none'/);
    t.match(page.body, 'Checkliste und Go-live der Pilotbehörde');
    t.match(page.body, 'Schulung der Sachbearbeitung', 'the ministry’s own item is on the page');
    t.match(page.body, 'Noch offen: 8 von 10 Punkten.');

    const missingReason = await postForm(env, path, [['aktion', 'checkliste'], ['status-transportweg', 'entfaellt']]);
    t.equal(missingReason.statusCode, 422);
    t.match(missingReason.body, 'Bitte begründen Sie');
    const ticked = await postForm(env, path, [
      ['aktion', 'checkliste'],
      ['status-transportweg', 'erledigt'],
      ['status-fachverfahren', 'erledigt'],
      ['status-epayment', 'entfaellt'],
      ['grund-epayment', 'Leistung ist gebührenfrei'],
    ]);
    t.equal(ticked.statusCode, 200, ticked.body);
    t.match(ticked.body, 'Gespeichert: 3 Punkte der Checkliste.');
    t.match(ticked.body, 'Noch offen: 5 von 10 Punkten.');
    const again = await postForm(env, path, [['aktion', 'checkliste'], ['status-transportweg', 'erledigt']]);
    t.match(again.body, 'Es gab nichts zu ändern.', 'the page takes answers again and again');

    const early = await postForm(env, path, [['aktion', 'live'], ['onlineDienstUrl', 'https://elterngeld.potsdam.example'], ['verknuepftAm', day(env, -1)]]);
    t.equal(early.statusCode, 409, 'the gate holds on the pilot’s page');
    t.match(early.body, 'Der Go-live ist noch nicht möglich');
    t.match(early.body, 'Funktionspostfach eingerichtet');
    t.notMatch(early.body, /<li><a href="#f-status-avv-offen">/, 'done items are not listed');
    const link = () => env.handle.db.selectFrom('response_link').selectAll().where('token_hash', '=', hashLinkToken(path.split('/').pop()!)).executeTakeFirstOrThrow();
    t.equal((await link()).used_at, null, 'a refused go-live leaves the link usable');
    t.equal((await call(ministry, 'GET', `/participants/${POTSDAM}`)).json().stage, 'pilot-bestaetigt');
    const badUrl = await postForm(env, path, [['aktion', 'live'], ['onlineDienstUrl', 'elterngeld'], ['verknuepftAm', '30.02.2026']]);
    t.equal(badUrl.statusCode, 422);
    t.match(badUrl.body, 'https://');

    const rest = ['bundid', 'funktionspostfach', 'support', 'bus-bb', 'eigen-1'].map((key): [string, string] => [`status-${key}`, 'erledigt']);
    t.equal((await postForm(env, path, [['aktion', 'checkliste'], ...rest])).statusCode, 200);
    t.equal((await call(kaz, 'GET', `/pilots/${POTSDAM}/checklist`)).json().vollstaendig, true);
    // an open blocking ticket of the Kaz holds the go-live too, and the page says why
    const kazApi = (method: 'POST', url: string, payload: object) => env.app.inject({ method, url: `/api/v1${url}`, headers: bearer(kaz), payload });
    const blocking = await kazApi('POST', '/tickets', { solutionId, ars: POTSDAM, category: 'transport', title: 'XTA-Postfach fehlt', description: 'DVDV-Eintrag fehlt', blocking: true });
    t.equal(blocking.statusCode, 201, blocking.body);
    const held = await postForm(env, path, [['aktion', 'live'], ['onlineDienstUrl', 'https://elterngeld.potsdam.example'], ['verknuepftAm', day(env, -1)]]);
    t.equal(held.statusCode, 409);
    t.match(held.body, 'Der Go-live ist noch nicht möglich');
    t.match(held.body, 'XTA-Postfach fehlt', 'the page names the blocking ticket');
    t.equal((await link()).used_at, null, 'the link stays usable');
    t.equal((await kazApi('POST', `/tickets/${blocking.json().id}/events`, { type: 'LOESEN', loesung: 'DVDV-Eintrag angelegt' })).statusCode, 200);
    const wentLive = await postForm(env, path, [['aktion', 'live'], ['onlineDienstUrl', 'https://elterngeld.potsdam.example'], ['verknuepftAm', day(env, -1)]]);
    t.equal(wentLive.statusCode, 200, wentLive.body);
    t.match(wentLive.body, 'Vielen Dank');
    t.equal((await call(ministry, 'GET', `/participants/${POTSDAM}`)).json().stage, 'pilot-live');
    t.ok((await link()).used_at, 'the go-live uses the link up');
    t.equal((await openPage(env, path)).page.statusCode, 409, 'after the go-live the page shows what was reported');
    t.equal((await call(ministry, 'PUT', `/pilots/${POTSDAM}/checklist/avv`, { status: 'offen' })).statusCode, 409, 'a live pilot’s checklist is a record');

    // the ministry's override, with a reason
    for (const body of [{ type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium' }, { type: 'PILOT_BESTAETIGEN' }]) {
      t.equal((await event(BRANDENBURG_HAVEL, body)).statusCode, 200);
    }
    const blankOverride = await event(BRANDENBURG_HAVEL, { ...live, override: { reason: ' ' } });
    t.equal(blankOverride.statusCode, 422);
    t.equal(blankOverride.json().errors[0].field, '/body/override/reason');
    const overridden = await event(BRANDENBURG_HAVEL, { ...live, override: { reason: 'AVV liegt unterschrieben vor, Eintrag folgt' } });
    t.equal(overridden.statusCode, 200, overridden.body);
    t.equal(overridden.json().stage, 'pilot-live');
    t.equal(overridden.json().context.pilot.liveOverride, 'AVV liegt unterschrieben vor, Eintrag folgt');

    // history: every change with its actor, non-state changes from = to the current stage
    const history = (await call(ministry, 'GET', `/history?ars=${POTSDAM}&limit=1000`)).json().items as HistoryItem[];
    const of = (type: string) => history.filter((entry) => entry.eventType === type);
    t.equal(of('CHECKLISTE_PUNKT_GESETZT').length, 3 + 3 + 5, 'three through the API, eight through the page; unchanged items write nothing');
    t.match(of('CHECKLISTE_PUNKT_GESETZT')[0], { actor: /^kaz:/, fromStage: 'pilot-bestaetigt', toStage: 'pilot-bestaetigt', event: { key: 'avv', status: 'erledigt', vorher: 'offen' } });
    t.ok(of('CHECKLISTE_PUNKT_GESETZT').some((entry) => entry.actor === `behoerde:${POTSDAM}:link:pilotbetrieb` && entry.event.key === 'epayment' && entry.event.reason === 'Leistung ist gebührenfrei'));
    t.match(of('TERMIN_ERFASST'), [{ actor: /^kaz:/, fromStage: 'pilot-bestaetigt', event: { art: 'videokonferenz', moderiertDurchKaz: true } }]);
    t.match(of('IT_DIENSTLEISTER_GESETZT'), [{ actor: /^kaz:/, event: { zitBb: true, dikom: true } }]);
    t.match(of('PILOT_LIVE_MELDEN'), [{ actor: `behoerde:${POTSDAM}:link:pilotbetrieb`, fromStage: 'pilot-bestaetigt', toStage: 'pilot-live' }]);
    const all = (await call(ministry, 'GET', '/history?limit=1000')).json().items as HistoryItem[];
    t.match(all.find((entry) => entry.eventType === 'CHECKLISTE_PUNKT_ANGELEGT'), { participantArs: null, actor: /^ministerium:MSGIV:/, fromStage: 'pilotphase', toStage: 'pilotphase', event: { key: 'eigen-1' } });
    t.match(all.find((entry) => entry.eventType === 'PILOT_LIVE_MELDEN' && entry.participantArs === BRANDENBURG_HAVEL), { event: { override: { reason: /AVV/ } } });
    t.notOk(all.some((entry) => entry.eventType === 'PILOT_LIVE_MELDEN' && entry.participantArs === POTSDAM && entry.fromStage !== 'pilot-bestaetigt'));
  });

  t.test(`${kind}: lessons learned as structured entries, and the rollout gate`, async (t) => {
    const { env, ministry, kaz, call, event } = await pilotPhase(t, kind);
    const lesson = (body: Record<string, unknown>) => call(ministry, 'POST', '/events', { type: 'LESSONS_LEARNED_ERFASSEN', ...body });
    t.equal((await lesson({ text: 'Fachverfahren früh anbinden' })).statusCode, 200, 'the plain entry keeps working');
    const structured = await lesson({ text: 'AVV-Muster vor dem Auftakt verschicken', thema: 'AVV', pilotArs: POTSDAM, relevanz: 'hoch' });
    t.equal(structured.statusCode, 200, structured.body);
    t.equal((await lesson({ text: 'Support-Kontakte früh klären', thema: 'Support', relevanz: 'niedrig' })).statusCode, 200);
    for (const [body, field] of [
      [{ text: 'x', relevanz: 'egal' }, '/body/relevanz'],
      [{ text: 'x', pilotArs: '1205400000' }, '/body/pilotArs'],
      [{ text: 'x', pilotArs: '129999999999' }, '/body/pilotArs'],
      [{ text: 'x', thema: 'a\nb' }, '/body/thema'],
      [{ text: 'x'.repeat(2001) }, '/body/text'],
    ] as const) {
      const refused = await lesson(body);
      t.equal(refused.statusCode, 422, `${JSON.stringify(body).slice(0, 60)}: ${refused.body}`);
      t.ok(refused.json().errors.some((error: { field: string }) => error.field === field), `names ${field}: ${refused.body}`);
    }
    const listed = await call(kaz, 'GET', '/lessons-learned');
    t.equal(listed.statusCode, 200, listed.body);
    t.equal(listed.json().total, 3);
    t.match(listed.json().items[0], { nummer: 1, text: 'Fachverfahren früh anbinden', thema: null, pilotArs: null, relevanz: null });
    t.match(listed.json().items[1], { nummer: 2, thema: 'AVV', pilotArs: POTSDAM, pilotName: /Potsdam/, relevanz: 'hoch' });
    t.same((await call(ministry, 'GET', '/lessons-learned?relevanz=hoch')).json().items.map((l: { nummer: number }) => l.nummer), [2]);
    t.equal((await call(ministry, 'GET', '/lessons-learned?relevanz=egal')).statusCode, 422);

    // the rollout gate is unchanged: lessons learned alone are not enough
    const noPilot = await call(ministry, 'POST', '/events', { type: 'ROLLOUT_STARTEN' });
    t.equal(noPilot.statusCode, 409);
    for (const body of [
      { type: 'PILOT_VORSCHLAGEN', quelle: 'spitzenverband', spitzenverband: 'landkreistag' },
      { type: 'PILOT_BESTAETIGEN' },
      { type: 'PILOT_LIVE_MELDEN', onlineDienstUrl: 'https://elterngeld.potsdam.example', override: { reason: 'Test der Rollout-Bedingung' } },
    ]) {
      t.equal((await event(POTSDAM, body)).statusCode, 200, body.type);
    }
    t.equal((await call(ministry, 'POST', '/events', { type: 'ROLLOUT_STARTEN' })).json().stage, 'rollout');
    void env;
  });

  t.test(`${kind}: old snapshots without a candidacy are read tolerantly`, async (t) => {
    const { env, ministry, solutionId, call, event } = await pilotPhase(t, kind);
    t.equal((await event(POTSDAM, { type: 'ALS_PILOT_BEWERBEN' })).statusCode, 200);
    // a snapshot written before the pilot phase was modelled has no `pilot` in its context
    const row = await env.handle.db.selectFrom('participant').select('snapshot').where('solution_id', '=', solutionId).where('ars', '=', POTSDAM).executeTakeFirstOrThrow();
    const snapshot = structuredClone(row.snapshot) as { context: Record<string, unknown> };
    delete snapshot.context.pilot;
    await env.handle.db.updateTable('participant').set({ snapshot: toJson(snapshot) }).where('solution_id', '=', solutionId).where('ars', '=', POTSDAM).execute();
    t.match((await call(ministry, 'GET', '/pilot-candidates')).json().items, [{ ars: POTSDAM, quelle: 'unbekannt', seit: null }]);
    const confirmed = await event(POTSDAM, { type: 'PILOT_BESTAETIGEN' });
    t.equal(confirmed.statusCode, 200, confirmed.body);
    t.match(confirmed.json().context.pilot, { entscheidung: { art: 'bestaetigt' } });
  });
}
