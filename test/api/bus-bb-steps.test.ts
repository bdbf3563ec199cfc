import t from 'tap';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { sendParticipantEvent } from '../../src/solutions/participant.target.ts';
import { getLinkSecret, issueResponseLinks } from '../../src/links/link.service.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { sendErstinformation } from '../helpers/rollout.ts';

/**
 * The BUS-BB steps: the authority reports them through its bus-bb link page, the
 * Landesredaktion confirms them one after the other, LIVE_BESTAETIGEN needs the last one;
 * the Landesredaktion sends only these events. And the Leistungsbeschreibung per LeiKa key.
 */

const BARNIM = '120600000000';
const HAVELLAND = '120630000000';
const ODER_SPREE = '120670000000';
const LEIKA = '99036005000000';
const DAY = 24 * 60 * 60 * 1000;
const HOST = 'efa.internal:3000';

type Json = Record<string, any>;

async function world(t: Parameters<typeof buildTestApp>[0], kind: Parameters<typeof buildTestApp>[1]) {
  const env = await buildTestApp(t, kind);
  const ministry = await env.ministryToken('MSGIV');
  const created = await env.app.inject({
    method: 'POST',
    url: '/api/v1/solutions',
    headers: bearer(ministry),
    payload: { title: 'Elterngeld digital', ozgId: '10310', leikaKeys: [LEIKA], responsibility: { level: 'kreis' } },
  });
  const solutionId: string = created.json().id;
  const base = `/api/v1/solutions/${solutionId}`;
  await env.app.inject({ method: 'POST', url: `${base}/events`, headers: bearer(ministry), payload: { type: 'ERSTINFORMATION_STARTEN' } });
  const { mailingId } = await sendErstinformation(env, ministry, solutionId);
  for (const ars of [BARNIM, HAVELLAND, ODER_SPREE]) {
    const invited = await sendParticipantEvent(env.engine, { solutionId, ars, event: { type: 'EINLADEN', wave: 'Welle 1' }, actor: 'system:test', origin: 'system' });
    if (invited.kind !== 'applied') throw new Error(JSON.stringify(invited));
  }
  const secret = await getLinkSecret(env.handle.db);
  const link = async (ars: string) => {
    const urls = await issueResponseLinks(env.handle.db, {
      secret,
      solutionId,
      ars,
      mailingId,
      purposes: ['bus-bb'],
      expiresAt: new Date(env.clock.now.getTime() + 30 * DAY),
      baseUrl: env.mail.routes.publicBaseUrl,
    });
    return new URL(urls['bus-bb']!).pathname;
  };
  const answer = async (path: string, fields: [string, string][]) => {
    const page = await env.app.inject({ url: path, headers: { host: HOST } });
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    return env.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded', host: HOST },
      payload: new URLSearchParams([['csrf', csrf], ...fields]).toString(),
    });
  };
  const send = (token: string, ars: string, event: Json) => env.app.inject({ method: 'POST', url: `${base}/participants/${ars}/events`, headers: bearer(token), payload: event });
  const participant = async (ars: string) => (await env.app.inject({ url: `${base}/participants/${ars}`, headers: bearer(ministry) })).json();
  return { env, ministry, solutionId, base, link, answer, send, participant };
}

const yesterday = (env: TestApp) => new Date(env.clock.now.getTime() - DAY).toISOString().slice(0, 10);

for (const kind of databaseKinds()) {
  t.test(`${kind}: steps reported through the link page, confirmed by the Landesredaktion`, async (t) => {
    const { env, base, link, answer, send, participant, ministry } = await world(t, kind);
    const redaktion = await env.roleToken('landesredaktion');

    // A link takes one answer: one authority reports its progress, another its linking with the steps.
    const form = await env.app.inject({ url: await link(ODER_SPREE), headers: { host: HOST } });
    t.match(form.body, /name="schritte" value="online-dienst-angelegt"/, 'the form asks which steps are done');
    t.match(form.body, /Im Landesserviceportal sichtbar/);

    const wrong = await answer(await link(ODER_SPREE), [['schritte', 'alles-fertig']]);
    t.equal(wrong.statusCode, 422, 'an unknown step is refused on the page');

    const progress = await answer(await link(ODER_SPREE), [['schritte', 'online-dienst-angelegt']]);
    t.equal(progress.statusCode, 200, progress.body);
    t.match(progress.body, /Online-Dienst im BUS-BB angelegt/, 'the thanks page repeats the steps');
    const oderSpree = await participant(ODER_SPREE);
    t.equal(oderSpree.stage, 'onboarding', 'a first step of an invited authority starts its onboarding');
    t.same(oderSpree.context.busBbSchritte, { 'online-dienst-angelegt': { gemeldetAm: env.clock.now.toISOString(), bestaetigtAm: null } });

    const linked = await answer(await link(BARNIM), [
      ['schritte', 'zustaendigkeit-zugeordnet'],
      ['schritte', 'lsp-sichtbar'],
      ['onlineDienstUrl', 'https://elterngeld.barnim.example/antrag'],
      ['verknuepftAm', yesterday(env)],
    ]);
    t.equal(linked.statusCode, 200, linked.body);
    const barnim = await participant(BARNIM);
    t.equal(barnim.stage, 'bus-bb-verknuepft');
    t.same(Object.keys(barnim.context.busBbSchritte).sort(), ['lsp-sichtbar', 'online-dienst-angelegt', 'zustaendigkeit-zugeordnet']);
    t.ok(Object.values(barnim.context.busBbSchritte).every((s: any) => s.bestaetigtAm === null), 'reported, not yet confirmed');
    t.ok(barnim.allowedEvents.includes('BUS_BB_SCHRITT_BESTAETIGEN'));

    const tooEarly = await send(redaktion, BARNIM, { type: 'LIVE_BESTAETIGEN' });
    t.equal(tooEarly.statusCode, 409, 'live only after the last step is confirmed');
    t.match(tooEarly.json().detail, /im Landesserviceportal sichtbar/);
    const outOfOrder = await send(redaktion, BARNIM, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'lsp-sichtbar' });
    t.equal(outOfOrder.statusCode, 409, 'steps are confirmed in order');
    t.match(outOfOrder.json().detail, /der Reihe nach/);
    const unknownStep = await send(redaktion, BARNIM, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'fertig' });
    t.equal(unknownStep.statusCode, 422);
    t.equal(unknownStep.json().errors[0].field, '/body/schritt');

    for (const schritt of ['online-dienst-angelegt', 'zustaendigkeit-zugeordnet', 'lsp-sichtbar']) {
      const confirmed = await send(redaktion, BARNIM, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt });
      t.equal(confirmed.statusCode, 200, `${schritt}: ${confirmed.body}`);
      t.equal(confirmed.json().stage, 'bus-bb-verknuepft');
    }
    const twice = await send(redaktion, BARNIM, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'lsp-sichtbar' });
    t.equal(twice.statusCode, 409, 'a step is confirmed once');
    const live = await send(redaktion, BARNIM, { type: 'LIVE_BESTAETIGEN' });
    t.equal(live.statusCode, 200, live.body);
    t.equal(live.json().stage, 'live');

    const progressHistory = (await env.app.inject({ url: `${base}/history?ars=${ODER_SPREE}&limit=100`, headers: bearer(ministry) })).json().items as Json[];
    t.match(progressHistory.find((h) => h.eventType === 'BUS_BB_SCHRITTE_MELDEN'), {
      actor: `behoerde:${ODER_SPREE}:link:bus-bb`,
      fromStage: 'onboarding',
      toStage: 'onboarding',
      event: { schritte: ['online-dienst-angelegt'] },
    });
    const history = (await env.app.inject({ url: `${base}/history?ars=${BARNIM}&limit=100`, headers: bearer(ministry) })).json().items as Json[];
    t.match(history.find((h) => h.eventType === 'BUS_BB_VERKNUEPFUNG_MELDEN'), { actor: `behoerde:${BARNIM}:link:bus-bb`, event: { schritte: ['zustaendigkeit-zugeordnet', 'lsp-sichtbar'] } });
    const confirmations = history.filter((h) => h.eventType === 'BUS_BB_SCHRITT_BESTAETIGEN');
    t.same(confirmations.map((h) => h.event.schritt), ['online-dienst-angelegt', 'zustaendigkeit-zugeordnet', 'lsp-sichtbar']);
    t.ok(confirmations.every((h) => h.actor.startsWith('landesredaktion:')), 'the Landesredaktion is the actor');
    t.match(history.at(-1), { eventType: 'LIVE_BESTAETIGEN', toStage: 'live', actor: /^landesredaktion:/ });
  });

  t.test(`${kind}: the Landesredaktion sends only its confirmations`, async (t) => {
    const { env, solutionId, send, ministry } = await world(t, kind);
    const redaktion = await env.roleToken('landesredaktion');
    for (const event of [
      { type: 'ONBOARDING_STARTEN' },
      { type: 'AUSSCHLIESSEN', reason: 'eigene Lösung' },
      { type: 'BUS_BB_SCHRITTE_MELDEN', schritte: ['online-dienst-angelegt'] },
      { type: 'BUS_BB_ABGLEICH_UEBERNEHMEN', abgleichId: randomUUID() },
    ]) {
      const refused = await send(redaktion, HAVELLAND, event);
      t.equal(refused.statusCode, 403, event.type);
      t.match(refused.headers['content-type'], /application\/problem\+json/);
      t.match(refused.json().detail, /BUS_BB_SCHRITT_BESTAETIGEN und LIVE_BESTAETIGEN/);
    }
    const kaz = await send(await env.roleToken('kaz'), HAVELLAND, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'online-dienst-angelegt' });
    t.equal(kaz.statusCode, 403, 'the Kaz confirms nothing');
    const systemOnly = await send(ministry, HAVELLAND, { type: 'BUS_BB_ABGLEICH_UEBERNEHMEN', abgleichId: randomUUID() });
    t.equal(systemOnly.statusCode, 403, 'a reconciliation is taken over only by applying it');
    t.match(systemOnly.json().detail, /sendet nur das System/);
    const inEingeladen = await send(redaktion, HAVELLAND, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'online-dienst-angelegt' });
    t.equal(inEingeladen.statusCode, 409, 'steps are confirmed from onboarding on');
    const ministryConfirms = await send(ministry, HAVELLAND, { type: 'ONBOARDING_STARTEN' });
    t.equal(ministryConfirms.statusCode, 200);
    t.equal((await send(ministry, HAVELLAND, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'online-dienst-angelegt' })).statusCode, 200, 'the ministry may confirm too');

    // A snapshot persisted before the steps existed: no busBbSchritte at all.
    await send(ministry, ODER_SPREE, { type: 'ONBOARDING_STARTEN' });
    await send(ministry, ODER_SPREE, { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://elterngeld.los.example/' });
    await env.handle.db
      .updateTable('participant')
      .set({ snapshot: sql`snapshot #- '{context,busBbSchritte}'` as never })
      .where('solution_id', '=', solutionId)
      .where('ars', '=', ODER_SPREE)
      .execute();
    const old = await env.handle.db.selectFrom('participant').select('snapshot').where('solution_id', '=', solutionId).where('ars', '=', ODER_SPREE).executeTakeFirstOrThrow();
    t.notOk('busBbSchritte' in (old.snapshot as Json).context, 'the old shape');
    t.equal((await send(redaktion, ODER_SPREE, { type: 'LIVE_BESTAETIGEN' })).statusCode, 409, 'an old snapshot has nothing confirmed');
    t.equal((await send(redaktion, ODER_SPREE, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'online-dienst-angelegt' })).statusCode, 200, 'and takes confirmations');
  });

  t.test(`${kind}: the Leistungsbeschreibung in BUS-BB, once per LeiKa key`, async (t) => {
    const { env, base, ministry } = await world(t, kind);
    const redaktion = await env.roleToken('landesredaktion');
    const url = `${base}/bus-bb/leistungsbeschreibungen`;
    const before = (await env.app.inject({ url, headers: bearer(ministry) })).json();
    t.same(before, { allConfirmed: false, items: [{ leikaKey: LEIKA, bestaetigt: false, confirmedBy: null, confirmedAt: null, note: null }] });
    const foreignKey = await env.app.inject({ method: 'POST', url, headers: bearer(redaktion), payload: { leikaKey: '99999999999999' } });
    t.equal(foreignKey.statusCode, 422);
    t.equal(foreignKey.json().errors[0].field, '/body/leikaKey');
    const kaz = await env.app.inject({ method: 'POST', url, headers: bearer(await env.roleToken('kaz')), payload: { leikaKey: LEIKA } });
    t.equal(kaz.statusCode, 403);
    const confirmed = await env.app.inject({ method: 'POST', url, headers: bearer(redaktion), payload: { leikaKey: LEIKA, note: 'Text vom Bund übernommen' } });
    t.equal(confirmed.statusCode, 200, confirmed.body);
    t.match(confirmed.json(), { allConfirmed: true, items: [{ leikaKey: LEIKA, bestaetigt: true, confirmedBy: /^landesredaktion:/, note: 'Text vom Bund übernommen' }] });
    const again = await env.app.inject({ method: 'POST', url, headers: bearer(redaktion), payload: { leikaKey: LEIKA } });
    t.equal(again.statusCode, 409);
    const history = (await env.app.inject({ url: `${base}/history?limit=100`, headers: bearer(ministry) })).json().items as Json[];
    t.match(history.filter((h) => h.eventType === 'LEISTUNGSBESCHREIBUNG_BESTAETIGT'), [
      { participantArs: null, fromStage: 'erstinformation', toStage: 'erstinformation', actor: /^landesredaktion:/, event: { leikaKey: LEIKA } },
    ]);
  });
}
