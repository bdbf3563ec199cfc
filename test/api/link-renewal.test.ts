import t from 'tap';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { drainSettling, sendErstinformation } from '../helpers/rollout.ts';
import { solutionInRollout } from '../helpers/waves.ts';
import { deriveLinkToken, getLinkSecret } from '../../src/links/link.service.ts';

const POTSDAM = '120540000000';
const BARNIM = '120600000000';
const COTTBUS = '120520000000';
const DAY = 24 * 60 * 60 * 1000;

/** Every outbox mail's text, soft line breaks of quoted-printable removed (tokens contain no '='). */
async function outboxText(env: TestApp): Promise<string> {
  const dir = env.mail.routes.outboxDir!;
  const files = (await readdir(dir)).filter((file) => file.endsWith('.eml'));
  const texts = await Promise.all(files.map((file) => readFile(join(dir, file), 'utf8')));
  return texts.join('\n').replace(/=\r?\n/g, '');
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: the ministry renews an authority's expired links; the old ones say they are no longer valid`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const { id, base } = await solutionInRollout(env, token, 'kreis');
    const api = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>, auth = token) =>
      env.app.inject({ method, url: `${base}${url}`, headers: bearer(auth), ...(payload ? { payload } : {}) });

    const wave = await api('POST', '/waves', { name: 'Welle Potsdam', authorities: [POTSDAM] });
    t.equal(wave.statusCode, 201, wave.body);
    t.equal((await api('POST', `/waves/${wave.json().id}/start`, {})).statusCode, 200);
    await drainSettling(env);

    const secret = await getLinkSecret(env.handle.db);
    const link = (purpose: 'bereitschaft' | 'bus-bb', generation: number) =>
      `/antwort/${deriveLinkToken(secret, { solutionId: id, ars: POTSDAM, purpose, generation })}`;
    const first = link('bereitschaft', 0);
    t.ok((await outboxText(env)).includes(first), 'the invitation carries the first link');
    t.equal((await env.app.inject({ url: first })).statusCode, 200, 'the first link works');

    env.clock.now = new Date(env.clock.now.getTime() + 130 * DAY);
    const expired = await env.app.inject({ url: first });
    t.equal(expired.statusCode, 410);
    t.match(expired.body, /abgelaufen/);

    // Who may not, and for whom there is nothing to renew.
    t.equal((await api('POST', `/participants/${POTSDAM}/link-renewals`, undefined, await env.roleToken('kaz'))).statusCode, 403);
    t.equal((await api('POST', '/participants/129999999999/link-renewals')).statusCode, 404);
    t.equal((await api('POST', `/participants/${COTTBUS}/events`, { type: 'AUSSCHLIESSEN', reason: 'eigene Lösung' })).statusCode, 200);
    const nothingOpen = await api('POST', `/participants/${COTTBUS}/link-renewals`);
    t.equal(nothingOpen.statusCode, 409, 'Cottbus was excluded: none of its links can be answered any more');
    t.match(nothingOpen.headers['content-type'], /application\/problem\+json/);
    t.match(nothingOpen.json().detail, 'Im Stadium „ausgeschlossen“ kann die Behörde über keinen Link mehr antworten', 'the true reason');

    const renewed = await api('POST', `/participants/${POTSDAM}/link-renewals`);
    t.equal(renewed.statusCode, 201, renewed.body);
    t.equal(renewed.headers.location, `${base}/mailings/${renewed.json().mailingId}`, 'Location: the mailing that carries the new links');
    t.match(renewed.json(), { ars: POTSDAM, stage: 'eingeladen', kind: 'rollout-einladung', renewed: ['bereitschaft', 'bus-bb'], alreadyAnswered: [] });
    await drainSettling(env);

    const second = link('bereitschaft', 1);
    t.ok((await outboxText(env)).includes(second), 'a new mail carries the new link');
    const preview = await api('POST', '/mailings/preview', { kind: 'rollout-einladung', ars: POTSDAM });
    t.equal(preview.statusCode, 200, preview.body);
    t.ok(preview.body.includes(second.slice('/antwort/'.length)), 'the preview shows the new link');
    t.notOk(preview.body.includes(first.slice('/antwort/'.length)), 'not the superseded one');
    const page = await env.app.inject({ url: second });
    t.equal(page.statusCode, 200, 'the new link works');
    t.match(page.body, /name="csrf"/);
    const old = await env.app.inject({ url: first });
    t.equal(old.statusCode, 410);
    t.match(old.body, /nicht mehr gültig/);
    t.equal((await env.app.inject({ url: link('bus-bb', 0) })).statusCode, 410, 'every renewed purpose');

    const rows = await env.handle.db
      .selectFrom('response_link')
      .select(['generation', 'superseded_at', 'token_hash'])
      .where('solution_id', '=', id)
      .where('ars', '=', POTSDAM)
      .where('purpose', '=', 'bereitschaft')
      .orderBy('generation')
      .execute();
    t.same(
      rows.map((row) => [row.generation, row.superseded_at !== null]),
      [
        [0, true],
        [1, false],
      ],
    );
    t.ok(rows.every((row) => /^[0-9a-f]{64}$/.test(row.token_hash)), 'stored only as SHA-256 hashes');

    const history = await env.handle.db
      .selectFrom('history')
      .select(['actor', 'event', 'from_stage', 'to_stage'])
      .where('solution_id', '=', id)
      .where('event_type', '=', 'LINKS_ERNEUERT')
      .executeTakeFirstOrThrow();
    t.match(history, { actor: /^ministerium:MSGIV:/, from_stage: 'eingeladen', to_stage: 'eingeladen', event: { purposes: ['bereitschaft', 'bus-bb'] } });

    // A second renewal supersedes the second generation too.
    t.equal((await api('POST', `/participants/${POTSDAM}/link-renewals`)).statusCode, 201);
    await drainSettling(env);
    t.equal((await env.app.inject({ url: second })).statusCode, 410);
    t.equal((await env.app.inject({ url: link('bereitschaft', 2) })).statusCode, 200);

    // Barnim was never invited and is still 'informiert': its Erstinformation links still take
    // an answer during the rollout, so they are renewed – with the Erstinformation, which asks for them.
    const erstinformationLink = (purpose: 'interesse' | 'pilot', generation: number) =>
      `/antwort/${deriveLinkToken(secret, { solutionId: id, ars: BARNIM, purpose, generation })}`;
    t.equal((await env.app.inject({ url: erstinformationLink('interesse', 0) })).statusCode, 410, 'its Erstinformation link expired too');
    const barnim = await api('POST', `/participants/${BARNIM}/link-renewals`);
    t.equal(barnim.statusCode, 201, barnim.body);
    t.match(barnim.json(), { ars: BARNIM, stage: 'informiert', kind: 'erstinformation', renewed: ['interesse', 'pilot'], alreadyAnswered: [] });
    await drainSettling(env);
    const renewedInterest = erstinformationLink('interesse', 1);
    t.ok((await outboxText(env)).includes(renewedInterest), 'the Erstinformation with the new links went out');
    const form = await env.app.inject({ url: renewedInterest });
    t.equal(form.statusCode, 200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const answered = await env.app.inject({
      method: 'POST',
      url: renewedInterest,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ csrf, wahl: 'interesse' }).toString(),
    });
    t.equal(answered.statusCode, 200, 'the renewed link takes the answer');
    t.equal((await api('GET', `/participants/${BARNIM}`)).json().stage, 'interessiert');

    // After the end of the rollout no link takes an answer: nothing is renewed, and the reason says why.
    t.equal((await api('POST', '/events', { type: 'ABBRECHEN', reason: 'Lösung wird eingestellt' })).statusCode, 200);
    const ended = await api('POST', `/participants/${POTSDAM}/link-renewals`);
    t.equal(ended.statusCode, 409);
    t.match(ended.json().detail, 'Die Lösung ist abgebrochen: über ihre Links ist keine Antwort mehr möglich');
  });
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: a confirmed pilot who lost its page gets a new pilot invitation; the old page stops working`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');
    const created = await env.app.inject({
      method: 'POST',
      url: '/api/v1/solutions',
      headers: bearer(token),
      payload: { title: 'Elterngeld digital', ozgId: '10310', leikaKeys: ['99036005000000'], responsibility: { level: 'kreis' } },
    });
    const id: string = created.json().id;
    const api = (method: 'POST', url: string, payload?: Record<string, unknown>) =>
      env.app.inject({ method, url: `/api/v1/solutions/${id}${url}`, headers: bearer(token), ...(payload ? { payload } : {}) });
    t.equal((await api('POST', '/events', { type: 'ERSTINFORMATION_STARTEN' })).statusCode, 200);
    await sendErstinformation(env, token, id);
    t.equal((await api('POST', '/events', { type: 'PILOTPHASE_STARTEN' })).statusCode, 200);
    for (const event of [{ type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium' }, { type: 'PILOT_BESTAETIGEN' }]) {
      t.equal((await api('POST', `/participants/${POTSDAM}/events`, event)).statusCode, 200);
    }
    await drainSettling(env);
    const secret = await getLinkSecret(env.handle.db);
    const page = (generation: number) => `/antwort/${deriveLinkToken(secret, { solutionId: id, ars: POTSDAM, purpose: 'pilotbetrieb', generation })}`;
    t.ok((await outboxText(env)).includes(page(0)), 'the pilot invitation carries the pilot’s page');

    const renewed = await api('POST', `/participants/${POTSDAM}/link-renewals`);
    t.equal(renewed.statusCode, 201, renewed.body);
    t.match(renewed.json(), { stage: 'pilot-bestaetigt', kind: 'pilot-einladung' });
    t.ok(renewed.json().renewed.includes('pilotbetrieb'));
    await drainSettling(env);
    t.ok((await outboxText(env)).includes(page(1)), 'a new pilot invitation with the new page');
    t.equal((await env.app.inject({ url: page(1) })).statusCode, 200, 'the new page works');
    t.equal((await env.app.inject({ url: page(0) })).statusCode, 410, 'the old one is no longer valid');
  });
}
