import t, { type Test } from 'tap';
import type { DatabaseKind } from '../../src/db/database.ts';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { toJson, type LinkPurpose } from '../../src/db/schema.ts';
import { enqueueJob } from '../../src/engine/job.queue.ts';
import { sendParticipantEvent } from '../../src/solutions/participant.target.ts';
import { deriveCsrfToken, getLinkSecret, hashLinkToken, issueResponseLinks } from '../../src/links/link.service.ts';
import { escapeText } from '../../src/markup/html.ts';
import { responseRoutes } from '../../src/web/answer-page.routes.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { sendErstinformation } from '../helpers/rollout.ts';
import { completeChecklist } from '../helpers/pilots.ts';

const POTSDAM = '120540000000';
const COTTBUS = '120520000000';
const BARNIM = '120600000000';
const HAVELLAND = '120630000000';
const OBERHAVEL = '120650000000';
const ODER_SPREE = '120670000000';
const DAY = 24 * 60 * 60 * 1000;
/** The Host the tests' requests carry: a POST from this origin is same-origin. */
const OWN_ORIGIN = 'http://efa.internal:3000';

/** A Kreis-level solution whose 18 participants are informed (buildApp mounts the link routes). */
async function rolloutWithLinks(t: Test, kind: DatabaseKind) {
  const env = await buildTestApp(t, kind);
  const db = env.handle.db;
  const publicBaseUrl = env.mail.routes.publicBaseUrl;
  const publicOrigin = new URL(publicBaseUrl).origin;
  const ministry = await env.ministryToken('MSGIV');
  const created = await env.app.inject({
    method: 'POST',
    url: '/api/v1/solutions',
    headers: bearer(ministry),
    payload: { title: 'Elterngeld <digital>', ozgId: '10310', leikaKeys: ['99036005000000'], responsibility: { level: 'kreis' } },
  });
  t.equal(created.statusCode, 201, created.body);
  const solutionId: string = created.json().id;
  const started = await env.app.inject({ method: 'POST', url: `/api/v1/solutions/${solutionId}/events`, headers: bearer(ministry), payload: { type: 'ERSTINFORMATION_STARTEN' } });
  t.equal(started.statusCode, 200, started.body);
  await sendErstinformation(env, ministry, solutionId);

  const mailingId = randomUUID();
  await db
    .insertInto('mailing')
    .values({ id: mailingId, solution_id: solutionId, kind: 'erstinformation', filter: toJson({}), recipients_total: 18, without_address: toJson([]), created_by: 'test' })
    .execute();
  const secret = await getLinkSecret(db);

  /** The path of the link (the part after the public base URL). */
  const issue = async (ars: string, purpose: LinkPurpose, expiresAt = new Date(env.clock.now.getTime() + 30 * DAY)) => {
    const urls = await issueResponseLinks(db, { secret, solutionId, ars, mailingId, purposes: [purpose], expiresAt, baseUrl: publicBaseUrl });
    return new URL(urls[purpose]!).pathname;
  };
  const participant = async (ars: string) =>
    (await env.app.inject({ url: `/api/v1/solutions/${solutionId}/participants/${ars}`, headers: bearer(ministry) })).json();
  const participantEvent = (ars: string, event: { type: string } & Record<string, unknown>) =>
    sendParticipantEvent(env.engine, { solutionId, ars, event, actor: 'ministerium:MSGIV:test', origin: 'system' });
  const linkRow = (path: string) =>
    db.selectFrom('response_link').selectAll().where('token_hash', '=', hashLinkToken(path.split('/').pop()!)).executeTakeFirstOrThrow();
  return { env, db, solutionId, publicOrigin, issue, participant, participantEvent, linkRow };
}

async function openForm(env: TestApp, path: string) {
  const page = await env.app.inject({ url: path });
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  return { page, csrf };
}

function post(env: TestApp, path: string, fields: Array<[string, string]>, headers: Record<string, string> = {}) {
  return env.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded', host: new URL(OWN_ORIGIN).host, ...headers },
    payload: new URLSearchParams(fields).toString(),
  });
}

/** Opens the form and posts it like a browser would. */
async function answer(env: TestApp, path: string, fields: Array<[string, string]>) {
  const { csrf } = await openForm(env, path);
  return post(env, path, [['csrf', csrf ?? ''], ...fields], { origin: OWN_ORIGIN });
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: an authority declares interest through its link`, async (t) => {
    const { env, db, solutionId, publicOrigin, issue, participant, linkRow } = await rolloutWithLinks(t, kind);
    const path = await issue(POTSDAM, 'interesse');

    const { page, csrf } = await openForm(env, path);
    t.equal(page.statusCode, 200);
    t.match(page.headers['content-type'], /^text\/html; charset=utf-8/);
    t.equal(page.headers['cache-control'], 'no-store');
    t.equal(page.headers['referrer-policy'], 'same-origin', 'the token goes to no other site, and the POST carries the real Origin');
    t.equal(page.headers['x-content-type-options'], 'nosniff');
    t.match(page.headers['content-security-policy'], /default-src 'none'; style-src 'sha256-[^']+'; form-action 'self'; frame-ancestors 'none'/);
    t.ok(csrf, 'the form carries the CSRF value');
    t.match(page.body, '<html lang="de">');
    t.match(page.body, 'EfA-Rollout Brandenburg');
    t.match(page.body, 'Potsdam, Stadt');
    t.match(page.body, escapeText('Elterngeld <digital>'), 'interpolated values are escaped');
    t.match(page.body, 'MSGIV');
    t.match(page.body, '<label for="f-wahl-interesse">');
    t.match(page.body, '<legend>Ihre Antwort</legend>');
    t.match(page.body, 'mailto:ozg@msgiv.example');
    t.notMatch(page.body, '<script');

    const noCsrf = await post(env, path, [['wahl', 'interesse']]);
    t.equal(noCsrf.statusCode, 403, 'a post without the CSRF value is refused');
    t.match(noCsrf.body, 'Sicherheitsprüfung');
    const wrongCsrf = await post(env, path, [['csrf', 'x'.repeat(43)], ['wahl', 'interesse']]);
    t.equal(wrongCsrf.statusCode, 403);
    const foreign = await post(env, path, [['csrf', csrf!], ['wahl', 'interesse']], { origin: 'https://evil.example' });
    t.equal(foreign.statusCode, 403, 'a form posted from another site is refused');
    const crossSite = await post(env, path, [['csrf', csrf!], ['wahl', 'interesse']], { 'sec-fetch-site': 'cross-site' });
    t.equal(crossSite.statusCode, 403);
    t.equal((await participant(POTSDAM)).stage, 'informiert', 'refused posts change nothing');
    t.equal((await linkRow(path)).used_at, null);

    const missing = await post(env, path, [['csrf', csrf!]], { origin: OWN_ORIGIN });
    t.equal(missing.statusCode, 422, 'its own origin (behind no proxy) is fine, but the choice is missing');
    t.match(missing.body, /role="alert"/);
    t.match(missing.body, 'href="#f-wahl-interesse"');

    const reminder = `reminder:${solutionId}:${POTSDAM}:1`;
    await enqueueJob(db, { kind: 'mailing.reminder', payload: {}, idempotencyKey: reminder, runAt: new Date(Date.now() + 7 * DAY), solutionId, ars: POTSDAM });

    const accepted = await post(env, path, [['csrf', csrf!], ['wahl', 'interesse'], ['freitext', 'Ansprechpartnerin: Frau Muster']], { origin: publicOrigin });
    t.equal(accepted.statusCode, 200, accepted.body);
    t.match(accepted.body, 'Vielen Dank');
    t.match(accepted.body, 'Frau Muster');
    t.equal((await participant(POTSDAM)).stage, 'interessiert', 'the answer moved the participant');
    const used = await linkRow(path);
    t.ok(used.used_at, 'the link is used');
    t.match(used.answer, { purpose: 'interesse', wahl: 'interesse', freitext: 'Ansprechpartnerin: Frau Muster', stage: 'interessiert' });
    const job = await db.selectFrom('job').select('status').where('idempotency_key', '=', reminder).executeTakeFirstOrThrow();
    t.equal(job.status, 'cancelled', 'the pending reminder was cancelled by the answer');
    const history = await db.selectFrom('history').select(['actor', 'event_type']).where('participant_ars', '=', POTSDAM).orderBy('id', 'desc').executeTakeFirstOrThrow();
    t.same(history, { actor: `behoerde:${POTSDAM}:link:interesse`, event_type: 'INTERESSE_BEKUNDEN' });

    const second = await post(env, path, [['csrf', csrf!], ['wahl', 'kein-interesse']], { origin: publicOrigin });
    t.equal(second.statusCode, 409, 'a used link takes no second answer');
    t.match(second.body, 'bereits beantwortet');
    t.match(second.body, 'Wir haben Interesse und möchten weiter informiert werden.', 'it shows the recorded answer in words');
    t.equal((await participant(POTSDAM)).stage, 'interessiert');
    t.equal((await env.app.inject({ url: path })).statusCode, 409, 'opening it again shows the answer');

    const token = path.split('/').pop()!;
    const tamperedToken = `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
    const cottbus = await issue(COTTBUS, 'interesse');
    const cottbusToken = cottbus.split('/').pop()!;
    const tampered = `/antwort/${cottbusToken.slice(0, 5)}${cottbusToken[5] === 'x' ? 'y' : 'x'}${cottbusToken.slice(6)}`;
    for (const url of [`/antwort/${tamperedToken}`, tampered, '/antwort/kurz', `/antwort/${'%3C'.repeat(20)}`]) {
      const unknown = await env.app.inject({ url });
      t.equal(unknown.statusCode, 404, `unknown link ${url.length}`);
      t.match(unknown.body, 'Dieser Link ist ungültig');
      t.equal(unknown.headers['referrer-policy'], 'same-origin');
    }
    const tamperedPost = await post(env, tampered, [['csrf', (await openForm(env, cottbus)).csrf!], ['wahl', 'interesse']], { origin: publicOrigin });
    t.equal(tamperedPost.statusCode, 404);
    t.equal((await participant(COTTBUS)).stage, 'informiert', 'a tampered link changed nothing');

    const expired = await issue(BARNIM, 'interesse');
    await db
      .updateTable('response_link')
      .set({ expires_at: new Date(env.clock.now.getTime() - 1000) })
      .where('token_hash', '=', hashLinkToken(expired.split('/').pop()!))
      .execute();
    const gone = await env.app.inject({ url: expired });
    t.equal(gone.statusCode, 410);
    t.match(gone.body, 'abgelaufen');
    t.match(gone.body, 'ozg@msgiv.example', 'the expired page names the ministry contact');
    const lateAnswer = await post(env, expired, [['csrf', 'irrelevant'], ['wahl', 'interesse']], { origin: publicOrigin });
    t.equal(lateAnswer.statusCode, 410);
    t.equal((await participant(BARNIM)).stage, 'informiert');

    const rows = await db.selectFrom('response_link').selectAll().execute();
    const everything = JSON.stringify(rows);
    for (const link of [path, cottbus, expired]) t.notOk(everything.includes(link.split('/').pop()!), 'no plaintext token in the database');
  });

  t.test(`${kind}: readiness and BUS-BB reports move invited authorities to bus-bb-verknuepft`, async (t) => {
    const { env, db, solutionId, issue, participant, participantEvent, linkRow } = await rolloutWithLinks(t, kind);
    for (const ars of [HAVELLAND, OBERHAVEL, ODER_SPREE]) await participantEvent(ars, { type: 'EINLADEN', wave: 'Welle 1', fristTage: 14 });

    const readiness = await issue(HAVELLAND, 'bereitschaft');
    const form = await openForm(env, readiness);
    t.match(form.page.body, '<input type="date" id="f-ab" name="ab"');
    t.match(form.page.body, 'Format: TT.MM.JJJJ');
    t.match(form.page.body, 'type="checkbox" id="f-gruende-epayment" name="gruende" value="epayment"');
    t.match(form.page.body, 'value="transport"', 'the transport route is a reason of its own');
    t.match(form.page.body, '<textarea id="f-freitext"');

    const noReasons = await answer(env, readiness, [['status', 'nicht-bereit'], ['freitext', 'noch offen <b>']]);
    t.equal(noReasons.statusCode, 422);
    t.match(noReasons.body, /<div class="zusammenfassung" role="alert"/);
    t.match(noReasons.body, 'href="#f-gruende-fachverfahren-anbindung"');
    t.match(noReasons.body, 'value="nicht-bereit" checked', 'the entered values are kept');
    t.match(noReasons.body, `${escapeText('noch offen <b>')}</textarea>`);
    t.match(noReasons.body, /name="csrf" value="[^"]+"/, 'the form can be sent again');
    t.equal((await linkRow(readiness)).used_at, null, 'nothing recorded');
    t.equal((await participant(HAVELLAND)).context.readiness, null);

    const past = await answer(env, readiness, [['status', 'bereit-ab'], ['ab', '01.01.2020']]);
    t.equal(past.statusCode, 422);
    t.match(past.body, 'Vergangenheit');

    const from = new Date(env.clock.now.getTime() + 60 * DAY).toISOString().slice(0, 10);
    const ready = await answer(env, readiness, [['status', 'bereit-ab'], ['ab', from], ['freitext', 'nach der Haushaltsfreigabe']]);
    t.equal(ready.statusCode, 200, ready.body);
    const havelland = await participant(HAVELLAND);
    t.equal(havelland.stage, 'eingeladen');
    t.match(havelland.context.readiness, { status: 'bereit-ab', ab: from, freitext: 'nach der Haushaltsfreigabe' });
    const already = await env.app.inject({ url: readiness });
    t.equal(already.statusCode, 409);
    t.match(already.body, `ab dem ${from.split('-').reverse().join('.')} bereit`);

    const notReady = await issue(OBERHAVEL, 'bereitschaft');
    const lacking = await answer(env, notReady, [['status', 'nicht-bereit'], ['gruende', 'epayment'], ['gruende', 'sonstiges'], ['freitext', 'Kassenverfahren']]);
    t.equal(lacking.statusCode, 200, lacking.body);
    t.match((await participant(OBERHAVEL)).context.readiness, { status: 'nicht-bereit', gruende: ['epayment', 'sonstiges'], freitext: 'Kassenverfahren' });

    const reminder = `reminder:${solutionId}:${ODER_SPREE}:2`;
    await enqueueJob(db, { kind: 'mailing.reminder', payload: {}, idempotencyKey: reminder, runAt: new Date(Date.now() + DAY), solutionId, ars: ODER_SPREE });
    const busBb = await issue(ODER_SPREE, 'bus-bb');
    const future = await answer(env, busBb, [['onlineDienstUrl', 'https://elterngeld.los.example/antrag'], ['verknuepftAm', '2999-01-01']]);
    t.equal(future.statusCode, 422);
    t.match(future.body, 'Zukunft');
    const today = new Date(env.clock.now.getTime() - DAY).toISOString().slice(0, 10);
    const linked = await answer(env, busBb, [['onlineDienstUrl', 'https://elterngeld.los.example/antrag'], ['verknuepftAm', today]]);
    t.equal(linked.statusCode, 200, linked.body);
    t.match(linked.body, 'https://elterngeld.los.example/antrag');
    const oderSpree = await participant(ODER_SPREE);
    t.equal(oderSpree.stage, 'bus-bb-verknuepft', 'eingeladen → onboarding → bus-bb-verknuepft');
    t.equal(oderSpree.context.busBb.onlineDienstUrl, 'https://elterngeld.los.example/antrag');
    t.equal(oderSpree.context.busBb.verknuepftAm, today, 'the date the authority typed is kept as typed');
    t.equal(oderSpree.context.busBb.gemeldetAm, env.clock.now.toISOString(), 'the report time is kept separately');
    const steps = await db.selectFrom('history').select(['event_type', 'to_stage']).where('participant_ars', '=', ODER_SPREE).orderBy('id').execute();
    t.same(steps.slice(-2), [
      { event_type: 'ONBOARDING_STARTEN', to_stage: 'onboarding' },
      { event_type: 'BUS_BB_VERKNUEPFUNG_MELDEN', to_stage: 'bus-bb-verknuepft' },
    ]);
    t.equal((await db.selectFrom('job').select('status').where('idempotency_key', '=', reminder).executeTakeFirstOrThrow()).status, 'cancelled');
    t.equal(
      (await db.selectFrom('job').select('id').where('kind', '=', 'timer.deliverEvent').where('status', '=', 'pending').where('idempotency_key', 'like', `%${ODER_SPREE}%`).execute()).length,
      0,
      'the machine cancelled its answer deadline when it left eingeladen',
    );

    // A question the authority has moved past (it is linked already): the page says so before any form.
    const lateReadiness = await issue(ODER_SPREE, 'bereitschaft');
    const moot = await env.app.inject({ url: lateReadiness });
    t.equal(moot.statusCode, 409);
    t.match(moot.body, 'Diese Anfrage hat sich erledigt');
    t.match(moot.body, 'Online-Dienst im BUS-BB verknüpft');
    t.match(moot.body, 'ozg@msgiv.example');
    t.notMatch(moot.body, '<form', 'no form to fill in for nothing');
    // a form opened before the change is posted: the same explanation, nothing recorded
    const csrf = deriveCsrfToken(await getLinkSecret(db), hashLinkToken(lateReadiness.split('/').pop()!));
    const unfit = await post(env, lateReadiness, [['csrf', csrf], ['status', 'bereit']], { origin: OWN_ORIGIN });
    t.equal(unfit.statusCode, 409);
    t.match(unfit.body, 'Diese Anfrage hat sich erledigt');
    t.equal((await linkRow(lateReadiness)).used_at, null, 'the refused answer is not recorded');
    t.equal((await participant(ODER_SPREE)).stage, 'bus-bb-verknuepft');
  });

  t.test(`${kind}: a pilot applies, confirms readiness and reports its live service`, async (t) => {
    const { env, issue, participant, solutionId } = await rolloutWithLinks(t, kind);
    const interest = await issue(POTSDAM, 'interesse');
    t.equal((await answer(env, interest, [['wahl', 'pilot']])).statusCode, 200);
    t.equal((await participant(POTSDAM)).stage, 'pilot-kandidat');
    t.equal((await answer(env, await issue(POTSDAM, 'bereitschaft'), [['status', 'bereit']])).statusCode, 200);
    t.equal((await participant(POTSDAM)).stage, 'pilot-bestaetigt');
    await completeChecklist(env, await env.ministryToken('MSGIV'), solutionId, POTSDAM);
    // a confirmed pilot reports its go-live on its own page; the BUS-BB question of the rollout is not one for it
    t.equal((await env.app.inject({ url: await issue(POTSDAM, 'bus-bb') })).statusCode, 409);
    const goLive = await answer(env, await issue(POTSDAM, 'pilotbetrieb'), [
      ['aktion', 'live'],
      ['onlineDienstUrl', 'https://elterngeld.potsdam.example'],
      ['verknuepftAm', new Date(env.clock.now.getTime() - DAY).toISOString().slice(0, 10)],
    ]);
    t.equal(goLive.statusCode, 200, goLive.body);
    t.equal((await participant(POTSDAM)).stage, 'pilot-live');

    const pilot = await issue(COTTBUS, 'pilot');
    t.match((await openForm(env, pilot)).page.body, 'Als Pilotbehörde bewerben');
    t.equal((await answer(env, pilot, [['freitext', 'Fachverfahren: Beispiel-EG']])).statusCode, 200);
    t.equal((await participant(COTTBUS)).stage, 'pilot-kandidat');

    const notResponsible = await issue(BARNIM, 'interesse');
    const withoutWho = await answer(env, notResponsible, [['wahl', 'nicht-zustaendig']]);
    t.equal(withoutWho.statusCode, 422);
    t.equal((await answer(env, notResponsible, [['wahl', 'nicht-zustaendig'], ['freitext', 'Zuständig ist die Stadt Eberswalde']])).statusCode, 200);
    const barnim = await participant(BARNIM);
    t.equal(barnim.stage, 'nicht-zustaendig');
    t.equal(barnim.context.reason, 'Zuständig ist die Stadt Eberswalde');
  });

  t.test(`${kind}: the Origin check takes what browsers send for the own form, nothing else`, async (t) => {
    const { env, publicOrigin, issue, participant } = await rolloutWithLinks(t, kind);
    const informed = [POTSDAM, COTTBUS, BARNIM, HAVELLAND, OBERHAVEL, ODER_SPREE];
    const refused: Array<[string, Record<string, string>]> = [
      ['a foreign origin', { origin: 'https://evil.example' }],
      ['a foreign origin claiming same-origin', { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' }],
      ['a look-alike of the own origin', { origin: `${OWN_ORIGIN}.evil.example` }],
      ['the own origin from a cross-site context', { origin: OWN_ORIGIN, 'sec-fetch-site': 'cross-site' }],
      ['Origin null alone (a sandboxed frame, an old browser under no-referrer)', { origin: 'null' }],
      ['Origin null from another site', { origin: 'null', 'sec-fetch-site': 'cross-site' }],
      ['Origin null from a sibling subdomain', { origin: 'null', 'sec-fetch-site': 'same-site' }],
      ['Origin null without initiator', { origin: 'null', 'sec-fetch-site': 'none' }],
    ];
    const path = await issue(POTSDAM, 'interesse');
    const { csrf } = await openForm(env, path);
    for (const [what, headers] of refused) {
      const response = await post(env, path, [['csrf', csrf!], ['wahl', 'interesse']], headers);
      t.equal(response.statusCode, 403, `refused: ${what}`);
      t.match(response.body, 'Formular nicht angenommen');
    }
    t.equal((await participant(POTSDAM)).stage, 'informiert', 'no refused post changed anything');

    const accepted: Array<[string, Record<string, string>]> = [
      ['Origin null vouched for by Sec-Fetch-Site (a browser enforcing no-referrer)', { origin: 'null', 'sec-fetch-site': 'same-origin' }],
      ['the own origin, as a browser sends it under Referrer-Policy same-origin', { origin: OWN_ORIGIN, 'sec-fetch-site': 'same-origin' }],
      ['the own origin over plain HTTP (no Sec-Fetch-* there)', { origin: OWN_ORIGIN }],
      ['the public origin behind a proxy', { origin: publicOrigin, 'sec-fetch-site': 'same-origin' }],
      ['no Origin at all (old browsers; the CSRF value decides)', {}],
    ];
    for (const [index, [what, headers]] of accepted.entries()) {
      const ars = informed[index + 1]!;
      const answerPath = await issue(ars, 'interesse');
      const form = await openForm(env, answerPath);
      const response = await post(env, answerPath, [['csrf', form.csrf!], ['wahl', 'interesse']], headers);
      t.equal(response.statusCode, 200, `accepted: ${what}`);
      t.equal((await participant(ars)).stage, 'interessiert');
    }
  });

  t.test(`${kind}: two submits at once record one answer`, async (t) => {
    const { env, db, publicOrigin, issue, participant, linkRow } = await rolloutWithLinks(t, kind);
    const path = await issue(POTSDAM, 'interesse');
    const { csrf } = await openForm(env, path);
    const results = await Promise.all(
      (['interesse', 'kein-interesse'] as const).map((wahl) => post(env, path, [['csrf', csrf!], ['wahl', wahl]], { origin: publicOrigin })),
    );
    t.same(results.map((r) => r.statusCode).sort(), [200, 409]);
    const recorded = (await linkRow(path)).answer as { wahl: string };
    t.equal((await participant(POTSDAM)).stage, recorded.wahl === 'interesse' ? 'interessiert' : 'abgelehnt', 'the state matches the one recorded answer');
    const events = await db.selectFrom('history').select('id').where('participant_ars', '=', POTSDAM).where('actor', 'like', 'behoerde:%').execute();
    t.equal(events.length, 1);
  });
}

t.test('request logs never contain the token', async (t) => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = Fastify({ loggerInstance: pino({ level: 'info' }, stream) });
  t.teardown(() => app.close());
  const failing = { db: {} as never, engine: { db: {} as never, now: () => new Date(), workflows: {} as never } };
  await app.register(responseRoutes, failing);
  const token = 'T'.repeat(43);
  const response = await app.inject({ url: `/antwort/${token}` });
  t.equal(response.statusCode, 500, 'a broken database yields the German error page');
  t.match(response.body, 'technischen Fehlers');
  t.ok(lines.some((line) => line.includes('incoming request')));
  t.notOk(lines.join('\n').includes(token), 'the token is not in the logs');
});
