import t from 'tap';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { drainSettling, sendErstinformation } from '../helpers/rollout.ts';
import { hashLinkToken } from '../../src/links/link.service.ts';

/**
 * Issue 8's "done when", as the people involved do it: a ministry runs one solution from
 * the Erstinformation through the pilot phase – one pilot applies through the link in its
 * mail, one is suggested by the Landkreistag, one chosen by the ministry and declined; the
 * Kaz logs a meeting and the ZIT-BB involvement; a pilot ticks its checklist and reports
 * its own go-live on the page its invitation mail links to; lessons learned – and then
 * two waves to `abgeschlossen` with bulk actions, the Landesredaktion confirming BUS-BB
 * steps. Links are taken from the mails in the outbox, as an authority gets them.
 */

const POTSDAM = '120540000000';
const COTTBUS = '120520000000';
const BARNIM = '120600000000';
const STEPS = ['online-dienst-angelegt', 'zustaendigkeit-zugeordnet', 'lsp-sichtbar'] as const;

interface OutboxLink {
  path: string;
  purpose: string;
  subject: string;
}

/** The answer links in the outbox mails to one authority, with the purpose their stored hash says. */
async function linksMailedTo(env: TestApp, ars: string): Promise<OutboxLink[]> {
  const dir = env.mail.routes.outboxDir!;
  const links: OutboxLink[] = [];
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.eml'))) {
    const mail = await simpleParser(await readFile(join(dir, file)));
    const to = [mail.to].flat().flatMap((address) => address?.value ?? []).map((entry) => entry.address);
    if (!to.includes(`poststelle.${ars}@kommunen.example`)) continue;
    for (const [path] of (mail.text ?? '').matchAll(/\/antwort\/[A-Za-z0-9_-]{43}/g)) {
      const row = await env.handle.db
        .selectFrom('response_link')
        .select('purpose')
        .where('token_hash', '=', hashLinkToken(path.slice('/antwort/'.length)))
        .executeTakeFirst();
      if (row) links.push({ path, purpose: row.purpose, subject: mail.subject ?? '' });
    }
  }
  return links;
}

async function postForm(env: TestApp, path: string, fields: Array<[string, string]>) {
  const page = await env.app.inject({ url: path });
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  return env.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams([['csrf', csrf], ...fields]).toString(),
  });
}

const germanDate = (isoDate: string) => isoDate.split('-').reverse().join('.');

for (const kind of databaseKinds()) {
  t.test(`${kind}: Erstinformation, pilots, two waves with bulk actions, abgeschlossen`, async (t) => {
    const env = await buildTestApp(t, kind);
    const ministry = bearer(await env.ministryToken('MSGIV'));
    const kaz = bearer(await env.roleToken('kaz'));
    const redaktion = bearer(await env.roleToken('landesredaktion'));
    const created = await env.app.inject({
      method: 'POST',
      url: '/api/v1/solutions',
      headers: ministry,
      payload: { title: 'Elterngeld digital', ozgId: '10310', leikaKeys: ['99036005000000'], responsibility: { level: 'kreis' } },
    });
    t.equal(created.statusCode, 201, created.body);
    const id: string = created.json().id;
    const api = async (headers: Record<string, string>, method: 'GET' | 'POST' | 'PUT', path: string, payload?: object) => {
      const response = await env.app.inject({ method, url: `/api/v1/solutions/${id}${path}`, headers, ...(payload ? { payload } : {}) });
      return { status: response.statusCode, body: response.json(), text: response.body };
    };
    const ok = async (headers: Record<string, string>, method: 'GET' | 'POST' | 'PUT', path: string, payload?: object) => {
      const response = await api(headers, method, path, payload);
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
      return response.body;
    };
    const stageOf = async (ars: string) => (await ok(ministry, 'GET', `/participants/${ars}`)).stage as string;
    const yesterday = new Date(env.clock.now.getTime() - 24 * 3600 * 1000).toISOString().slice(0, 10);

    // Step 1: Erstinformation to the 18 Kreis-level authorities.
    await ok(ministry, 'POST', '/events', { type: 'ERSTINFORMATION_STARTEN' });
    await sendErstinformation(env, await env.ministryToken('MSGIV'), id);
    t.equal((await ok(ministry, 'GET', '/participants?stage=informiert')).total, 18, 'all 18 informed');
    await ok(ministry, 'POST', '/events', { type: 'PILOTPHASE_STARTEN' });

    // Step 2, candidates: Potsdam applies through the link of its Erstinformation mail …
    const interest = (await linksMailedTo(env, POTSDAM)).find((link) => link.purpose === 'interesse');
    t.ok(interest, 'Potsdam’s Erstinformation carries an answer link');
    const applied = await postForm(env, interest!.path, [['wahl', 'pilot']]);
    t.equal(applied.statusCode, 200, applied.body);
    // … the Landkreistag suggests Barnim, the ministry picks Cottbus itself.
    await ok(ministry, 'POST', `/participants/${BARNIM}/events`, {
      type: 'PILOT_VORSCHLAGEN',
      quelle: 'spitzenverband',
      spitzenverband: 'landkreistag',
      vorgeschlagenVon: 'Landkreistag Brandenburg, Frau Beispiel',
      vorgeschlagenAm: yesterday,
    });
    await ok(ministry, 'POST', `/participants/${COTTBUS}/events`, { type: 'PILOT_VORSCHLAGEN', quelle: 'ministerium' });
    const candidates = (await ok(kaz, 'GET', '/pilot-candidates')).items as { ars: string; quelle: string }[];
    t.same(
      Object.fromEntries(candidates.map((candidate) => [candidate.ars, candidate.quelle])),
      { [POTSDAM]: 'selbst', [BARNIM]: 'spitzenverband', [COTTBUS]: 'ministerium' },
      'three candidates, each with its source',
    );
    await ok(ministry, 'POST', `/participants/${COTTBUS}/events`, { type: 'PILOT_ABLEHNEN', reason: 'Fachverfahren wird 2027 gewechselt' });
    for (const ars of [POTSDAM, BARNIM]) await ok(ministry, 'POST', `/participants/${ars}/events`, { type: 'PILOT_BESTAETIGEN' });
    await drainSettling(env);

    // The Kaz moderates a video conference with Potsdam and involves ZIT-BB.
    await ok(kaz, 'POST', `/pilots/${POTSDAM}/meetings`, {
      art: 'videokonferenz',
      datum: yesterday,
      teilnehmende: ['Stadt Potsdam, Fachbereich Soziales', 'MSGIV Referat 32', 'Kaz'],
      notizen: 'Anbindung an das Fachverfahren besprochen',
      folgeaufgaben: ['AVV zeichnen'],
      moderiertDurchKaz: true,
    });
    await ok(kaz, 'PUT', `/pilots/${POTSDAM}/it-support`, { zitBb: true, dikom: false, seit: yesterday, kontakt: 'ZIT-BB, Kaz' });

    // Potsdam works its checklist on the page its pilot invitation links to, and reports its own go-live.
    const pilotPage = (await linksMailedTo(env, POTSDAM)).find((link) => link.purpose === 'pilotbetrieb');
    t.ok(pilotPage, 'the confirmed pilot was mailed its own page');
    const items = (await ok(ministry, 'GET', `/pilots/${POTSDAM}/checklist`)).items as { key: string }[];
    const early = await postForm(env, pilotPage!.path, [['aktion', 'live'], ['onlineDienstUrl', 'https://elterngeld.potsdam.example'], ['verknuepftAm', germanDate(yesterday)]]);
    t.equal(early.statusCode, 409, 'no go-live with open checklist items');
    const ticked = await postForm(env, pilotPage!.path, [
      ['aktion', 'checkliste'],
      ...items.flatMap((item): Array<[string, string]> =>
        item.key === 'produktionstest' ? [[`status-${item.key}`, 'entfaellt'], [`grund-${item.key}`, 'kein Produktionstest vorgesehen']] : [[`status-${item.key}`, 'erledigt']],
      ),
    ]);
    t.equal(ticked.statusCode, 200, ticked.body);
    const live = await postForm(env, pilotPage!.path, [['aktion', 'live'], ['onlineDienstUrl', 'https://elterngeld.potsdam.example'], ['verknuepftAm', germanDate(yesterday)]]);
    t.equal(live.statusCode, 200, live.body);
    t.equal(await stageOf(POTSDAM), 'pilot-live', 'Potsdam reported its own go-live');
    // Barnim is still working on its checklist: not live yet.
    t.equal(await stageOf(BARNIM), 'pilot-bestaetigt');

    // Lessons learned, then the rollout without an override: one live pilot and one lesson.
    await ok(ministry, 'POST', '/events', {
      type: 'LESSONS_LEARNED_ERFASSEN',
      text: 'Die Anbindung an das Fachverfahren braucht vier Wochen Vorlauf',
      thema: 'Fachverfahren',
      pilotArs: POTSDAM,
      relevanz: 'hoch',
    });
    t.match((await ok(ministry, 'GET', '/lessons-learned')).items, [{ thema: 'Fachverfahren', pilotArs: POTSDAM, relevanz: 'hoch' }]);
    t.equal((await ok(ministry, 'POST', '/events', { type: 'ROLLOUT_STARTEN' })).stage, 'rollout', 'the rollout gate holds without override');

    // Step 3: two waves of the others (the 14 Landkreise without Barnim, then the cities).
    const first = await ok(ministry, 'POST', '/waves', { name: 'Landkreise', targetDate: '2027-03-31', fristTage: 21, filter: { kinds: ['landkreis'] } });
    const unplanned = (await ok(ministry, 'GET', '/waves/ungeplant')).items as { ars: string }[];
    const second = await ok(ministry, 'POST', '/waves', { name: 'Kreisfreie Städte', authorities: unplanned.map((p) => p.ars).filter((ars) => ars !== BARNIM) });
    t.same([first.memberCount, second.memberCount], [13, 3], '18 minus Potsdam (live) and the pilot Barnim, in two waves');

    for (const wave of [first, second]) {
      const started = await api(ministry, 'POST', `/waves/${wave.id}/start`, { fristTage: 14 });
      t.equal(started.status, 200, started.text);
      await drainSettling(env);
      const bulk = async (event: Record<string, unknown>) => {
        const result = await ok(ministry, 'POST', '/participants/events', { event, filter: { waveId: wave.id } });
        return result.counts as Record<string, number>;
      };
      t.equal((await bulk({ type: 'ONBOARDING_STARTEN' })).applied, wave.memberCount, `${wave.name}: onboarding`);
      t.equal((await bulk({ type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://elterngeld.brandenburg.example' })).applied, wave.memberCount);
      if (wave === first) {
        for (const schritt of STEPS) t.equal((await bulk({ type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt })).applied, wave.memberCount, `${wave.name}: ${schritt}`);
      } else {
        // The Landesredaktion checks the cities one by one.
        const members = (await ok(redaktion, 'GET', `/waves/${wave.id}`)).members as { ars: string }[];
        for (const { ars } of members) {
          for (const schritt of STEPS) await ok(redaktion, 'POST', `/participants/${ars}/events`, { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt });
        }
      }
      t.equal((await bulk({ type: 'LIVE_BESTAETIGEN' })).applied, wave.memberCount, `${wave.name}: live`);
    }

    // Barnim finishes its checklist with the ministry, which reports the pilot's go-live.
    for (const item of items) {
      await ok(ministry, 'PUT', `/pilots/${BARNIM}/checklist/${item.key}`, item.key === 'produktionstest' ? { status: 'entfaellt', reason: 'nicht vorgesehen' } : { status: 'erledigt' });
    }
    await ok(ministry, 'POST', `/participants/${BARNIM}/events`, { type: 'PILOT_LIVE_MELDEN', onlineDienstUrl: 'https://elterngeld.barnim.example', verknuepftAm: yesterday });
    t.equal(await stageOf(BARNIM), 'pilot-live');
    const refusedForRedaktion = await api(redaktion, 'POST', `/participants/${COTTBUS}/events`, { type: 'AUSSCHLIESSEN', reason: 'x' });
    t.equal(refusedForRedaktion.status, 403, 'the Landesredaktion sends only its BUS-BB events');

    const done = await ok(ministry, 'POST', '/events', { type: 'ABSCHLIESSEN' });
    t.equal(done.stage, 'abgeschlossen', done.stage === 'abgeschlossen' ? 'rollout finished' : JSON.stringify(done));
    t.same((await ok(ministry, 'GET', '')).participantsByStage, { live: 16, 'pilot-live': 2 }, 'who ended where');

    // Who did what is in the history: the authority, the Kaz, the ministry.
    const history = (await ok(ministry, 'GET', '/history?limit=1000')).items as { eventType: string; actor: string }[];
    const actorsOf = (type: string) => [...new Set(history.filter((entry) => entry.eventType === type).map((entry) => entry.actor.split(':')[0]))];
    t.same(actorsOf('ALS_PILOT_BEWERBEN'), ['behoerde']);
    t.same(actorsOf('TERMIN_ERFASST'), ['kaz']);
    t.same(actorsOf('IT_DIENSTLEISTER_GESETZT'), ['kaz']);
    t.same(actorsOf('PILOT_LIVE_MELDEN').sort(), ['behoerde', 'ministerium']);
    t.same(actorsOf('BUS_BB_SCHRITT_BESTAETIGEN').sort(), ['landesredaktion', 'ministerium']);
    t.same(actorsOf('SAMMELAKTION'), ['ministerium']);
    t.same(actorsOf('WELLE_GEPLANT'), ['ministerium']);
  });
}
