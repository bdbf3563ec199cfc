import t from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { sendErstinformation } from '../helpers/rollout.ts';

const POTSDAM = '120540000000'; // kreisfreie Stadt
const BARNIM = '120600000000'; // Landkreis
const DAY = 24 * 60 * 60 * 1000;

const elterngeld = {
  title: 'Elterngeld digital',
  ozgId: '10310',
  leikaKeys: ['99036005000000'],
  description: 'EfA-Lösung Elterngeld',
  responsibility: { level: 'kreis' },
};

async function send(env: TestApp, token: string, url: string, event: Record<string, unknown>) {
  return env.app.inject({ method: 'POST', url, headers: bearer(token), payload: event });
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: a ministry drives a Kreis-level solution through all three steps`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MSGIV');

    const created = await env.app.inject({ method: 'POST', url: '/api/v1/solutions', headers: bearer(token), payload: elterngeld });
    t.equal(created.statusCode, 201, created.body);
    const solution = created.json();
    t.equal(solution.stage, 'entwurf');
    t.equal(solution.leadMinistry, 'MSGIV');
    t.same(solution.participantsByStage, { vorgemerkt: 18 }, '14 Landkreise and 4 kreisfreie Städte');
    const base = `/api/v1/solutions/${solution.id}`;
    const solutionEvent = (event: Record<string, unknown>) => send(env, token, `${base}/events`, event);
    const participantEvent = (ars: string, event: Record<string, unknown>) =>
      send(env, token, `${base}/participants/${ars}/events`, event);

    const tooEarly = await solutionEvent({ type: 'PILOTPHASE_STARTEN' });
    t.equal(tooEarly.statusCode, 409);
    t.match(tooEarly.headers['content-type'], /application\/problem\+json/);
    t.ok(tooEarly.json().allowedEvents.includes('ERSTINFORMATION_STARTEN'), 'the 409 lists the allowed events');

    t.equal((await solutionEvent({ type: 'ERSTINFORMATION_STARTEN' })).json().stage, 'erstinformation');
    const notSent = await solutionEvent({ type: 'PILOTPHASE_STARTEN' });
    t.equal(notSent.statusCode, 409, 'pilot phase needs the Erstinformation sent');
    t.match(notSent.json().detail, /Erstinformation/);

    const skip = await solutionEvent({ type: 'ERSTINFORMATION_VERSANDT' });
    t.equal(skip.statusCode, 403, 'the Erstinformation is recorded as sent by the mailing, not by a client');
    t.match(skip.headers['content-type'], /application\/problem\+json/);
    t.match(skip.json().detail, /sendet nur das System/);
    await sendErstinformation(env, token, solution.id);
    const informed = await env.app.inject({ url: `${base}/participants?stage=informiert&limit=100`, headers: bearer(token) });
    t.equal(informed.json().total, 18, 'every participant whose mail was accepted is informed');
    const sent = (await env.app.inject({ url: base, headers: bearer(token) })).json();
    t.ok(sent.context.erstinformationVersandtAm, 'the mailing recorded the Erstinformation as sent');
    t.notOk(sent.allowedEvents.includes('ERSTINFORMATION_VERSANDT'), 'system events are not offered to clients');

    t.equal((await solutionEvent({ type: 'PILOTPHASE_STARTEN' })).json().stage, 'pilotphase');
    const noPilot = await solutionEvent({ type: 'ROLLOUT_STARTEN' });
    t.equal(noPilot.statusCode, 409, 'rollout needs a live pilot and lessons learned');
    t.equal(noPilot.json().facts.pilotsLive, 0);

    for (const event of [
      { type: 'INTERESSE_BEKUNDEN' },
      { type: 'ALS_PILOT_BEWERBEN' },
      { type: 'PILOT_BESTAETIGEN' },
      // the checklist is the pilot tests' subject (pilots.test.ts): here the ministry overrides it
      { type: 'PILOT_LIVE_MELDEN', onlineDienstUrl: 'https://elterngeld.potsdam.example/antrag', override: { reason: 'Checkliste außerhalb geführt' } },
    ]) {
      const response = await participantEvent(POTSDAM, event);
      t.equal(response.statusCode, 200, `${event.type}: ${response.body}`);
    }
    const onlyPilot = await solutionEvent({ type: 'ROLLOUT_STARTEN' });
    t.equal(onlyPilot.statusCode, 409, 'a live pilot alone is not enough: lessons learned are missing');
    t.equal(onlyPilot.json().facts.pilotsLive, 1);
    const blank = await solutionEvent({ type: 'LESSONS_LEARNED_ERFASSEN', text: '  ' });
    t.equal(blank.statusCode, 422);
    t.equal(blank.json().errors[0].field, '/body/text');
    t.equal((await solutionEvent({ type: 'LESSONS_LEARNED_ERFASSEN', text: 'Fachverfahren früh anbinden' })).statusCode, 200);
    t.equal((await solutionEvent({ type: 'ROLLOUT_STARTEN' })).json().stage, 'rollout');

    const others = (await env.app.inject({ url: `${base}/participants?stage=informiert&limit=100`, headers: bearer(token) }))
      .json()
      .items.map((p: { ars: string }) => p.ars);
    t.equal(others.length, 17);
    const wave = await solutionEvent({ type: 'WELLE_STARTEN', label: 'Welle 1', authorities: others, fristTage: 14 });
    t.equal(wave.statusCode, 200, wave.body);
    await env.worker.drain();
    const invited = await env.app.inject({ url: `${base}/participants?stage=eingeladen&limit=100`, headers: bearer(token) });
    t.equal(invited.json().total, 17, 'the wave invited its authorities');

    const early = await solutionEvent({ type: 'ABSCHLIESSEN' });
    t.equal(early.statusCode, 409);
    t.equal(early.json().facts.participantsOpen, 17);

    // The answer deadline runs out: a durable timer delivers the reminder event.
    env.clock.now = new Date(env.clock.now.getTime() + 15 * DAY);
    await env.worker.drain();
    const reminded = (await env.app.inject({ url: `${base}/participants/${BARNIM}`, headers: bearer(token) })).json();
    t.equal(reminded.stage, 'eingeladen');
    t.equal(reminded.context.erinnerungen, 1, 'the timer fired once');

    const [excluded, ...linking] = others;
    for (const ars of linking) {
      for (const event of [
        { type: 'BEREITSCHAFT_MELDEN', status: 'bereit' },
        { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: `https://service.${ars}.example/elterngeld` },
        { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'online-dienst-angelegt' },
        { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'zustaendigkeit-zugeordnet' },
        { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'lsp-sichtbar' },
        { type: 'LIVE_BESTAETIGEN' },
      ]) {
        const response = await participantEvent(ars, event);
        t.equal(response.statusCode, 200, `${ars} ${event.type}: ${response.body}`);
      }
    }
    const stillOpen = await solutionEvent({ type: 'ABSCHLIESSEN' });
    t.equal(stillOpen.json().facts.participantsOpen, 1);
    const noReason = await participantEvent(excluded, { type: 'AUSSCHLIESSEN' });
    t.equal(noReason.statusCode, 422);
    t.equal(noReason.json().errors[0].field, '/body/reason');
    t.equal((await participantEvent(excluded, { type: 'AUSSCHLIESSEN', reason: 'Aufgabe an Landkreis übertragen' })).statusCode, 200);

    const done = await solutionEvent({ type: 'ABSCHLIESSEN' });
    t.equal(done.statusCode, 200, done.body);
    t.equal(done.json().stage, 'abgeschlossen');

    const pendingTimers = await env.handle.db
      .selectFrom('job')
      .select('id')
      .where('kind', '=', 'timer.deliverEvent')
      .where('status', '=', 'pending')
      .execute();
    t.equal(pendingTimers.length, 0, 'timers of answered participants were cancelled');

    const history = (await env.app.inject({ url: `${base}/history?limit=1000`, headers: bearer(token) })).json();
    const solutionSteps = history.items.filter((h: { participantArs: string | null }) => h.participantArs === null);
    t.same(
      solutionSteps.map((h: { toStage: string }) => h.toStage),
      ['entwurf', 'erstinformation', 'erstinformation', 'pilotphase', 'pilotphase', 'rollout', 'rollout', 'abgeschlossen'],
    );
    t.match(solutionSteps[1], { eventType: 'ERSTINFORMATION_STARTEN', fromStage: 'entwurf', actor: /ministerium:MSGIV/ });
    t.ok(history.items.some((h: { actor: string }) => h.actor === 'system:timer'), 'the timer event is in the history');
  });

  t.test(`${kind}: pausing keeps the stage, and participants wait`, async (t) => {
    const env = await buildTestApp(t, kind);
    const token = await env.ministryToken('MIK');
    const solution = (
      await env.app.inject({
        method: 'POST',
        url: '/api/v1/solutions',
        headers: bearer(token),
        payload: { ...elterngeld, title: 'Hundesteuer', responsibility: { level: 'gemeinde' } },
      })
    ).json();
    t.same(solution.participantsByStage, { vorgemerkt: 195 }, '52 Ämter, 138 amtsfreie Gemeinden, 4 kreisfreie Städte, 1 Verbandsgemeinde');
    const base = `/api/v1/solutions/${solution.id}`;
    await send(env, token, `${base}/events`, { type: 'ERSTINFORMATION_STARTEN' });
    const noReason = await send(env, token, `${base}/events`, { type: 'PAUSIEREN' });
    t.equal(noReason.statusCode, 422);
    t.equal(noReason.json().errors[0].field, '/body/reason');
    t.equal((await send(env, token, `${base}/events`, { type: 'PAUSIEREN', reason: 'Haushaltssperre' })).json().stage, 'pausiert');
    const frozen = await send(env, token, `${base}/participants/${POTSDAM}/events`, { type: 'INTERESSE_BEKUNDEN' });
    t.equal(frozen.statusCode, 409, 'participants do not move while the solution is paused');
    t.equal(frozen.json().solutionStage, 'pausiert');
    t.equal((await send(env, token, `${base}/events`, { type: 'FORTSETZEN' })).json().stage, 'erstinformation');
    t.equal((await send(env, token, `${base}/events`, { type: 'ABBRECHEN', reason: 'Bund stellt Lösung ein' })).json().stage, 'abgebrochen');
    const after = await send(env, token, `${base}/events`, { type: 'FORTSETZEN' });
    t.equal(after.statusCode, 409);
    t.same(after.json().allowedEvents, []);
  });
}
