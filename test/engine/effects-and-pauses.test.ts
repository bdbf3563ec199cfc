import t, { type Test } from 'tap';
import { sql } from 'kysely';
import type { DatabaseKind } from '../../src/db/database.ts';
import type { LinkPurpose } from '../../src/db/schema.ts';
import { getLinkSecret, issueResponseLinks } from '../../src/links/link.service.ts';
import { berlinDate } from '../../src/time/berlin.clock.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { drainSettling, sendErstinformation, TEST_MAIL_DETAILS } from '../helpers/rollout.ts';

// Issue 6, section 2: effects that meet a paused solution wait and run exactly once
// after FORTSETZEN; system events are not for clients; nothing goes out after the end;
// an authority can answer as soon as its own mail arrived; one answer, one transaction.

const POTSDAM = '120540000000';
const BARNIM = '120600000000';
const HAVELLAND = '120630000000';
const DAY = 24 * 60 * 60 * 1000;

interface Rollout {
  env: TestApp;
  token: string;
  id: string;
  base: string;
  post(url: string, payload: object): Promise<{ statusCode: number; json(): any; body: string }>;
  event(payload: object): Promise<{ statusCode: number; json(): any; body: string }>;
  participant(ars: string): Promise<any>;
  count(table: 'history', where: { event_type?: string; participant_ars?: string | null }): Promise<number>;
  jobs(kind: string, status?: string): Promise<number>;
}

/** A Kreis-level solution (18 participants) in stage 'erstinformation', contact details set. */
async function kreisSolution(t: Test, kind: DatabaseKind): Promise<Rollout> {
  const env = await buildTestApp(t, kind);
  const token = await env.ministryToken('MSGIV');
  const post = (url: string, payload: object) => env.app.inject({ method: 'POST', url, headers: bearer(token), payload });
  const created = await post('/api/v1/solutions', { title: 'Elterngeld digital', ozgId: '10310', leikaKeys: ['99036005000000'], responsibility: { level: 'kreis' } });
  const id: string = created.json().id;
  const base = `/api/v1/solutions/${id}`;
  await env.app.inject({ method: 'PUT', url: `${base}/mail-details`, headers: bearer(token), payload: TEST_MAIL_DETAILS });
  const event = (payload: object) => post(`${base}/events`, payload);
  t.equal((await event({ type: 'ERSTINFORMATION_STARTEN' })).statusCode, 200);
  const db = env.handle.db;
  return {
    env,
    token,
    id,
    base,
    post,
    event,
    participant: async (ars) => (await env.app.inject({ url: `${base}/participants/${ars}`, headers: bearer(token) })).json(),
    async count(_table, where) {
      let query = db.selectFrom('history').select(sql<number>`count(*)::int`.as('n')).where('solution_id', '=', id);
      if (where.event_type) query = query.where('event_type', '=', where.event_type);
      if (where.participant_ars !== undefined) query = query.where('participant_ars', where.participant_ars === null ? 'is' : '=', where.participant_ars);
      return (await query.executeTakeFirstOrThrow()).n;
    },
    async jobs(jobKind, status) {
      let query = db.selectFrom('job').select(sql<number>`count(*)::int`.as('n')).where('kind', '=', jobKind).where('solution_id', '=', id);
      if (status) query = query.where('status', '=', status as never);
      return (await query.executeTakeFirstOrThrow()).n;
    },
  };
}

async function stagesOf(r: Rollout): Promise<Record<string, number>> {
  return (await r.env.app.inject({ url: r.base, headers: bearer(r.token) })).json().participantsByStage;
}

/** From 'erstinformation' to 'rollout' with a pilot override; returns the informed participants' keys. */
async function toRollout(t: Test, r: Rollout): Promise<string[]> {
  await sendErstinformation(r.env, r.token, r.id);
  t.equal((await r.event({ type: 'PILOTPHASE_STARTEN' })).statusCode, 200);
  t.equal((await r.event({ type: 'ROLLOUT_STARTEN', override: { reason: 'in anderen Ländern erprobt' } })).statusCode, 200);
  const list = await r.env.app.inject({ url: `${r.base}/participants?stage=informiert&limit=100`, headers: bearer(r.token) });
  return list.json().items.map((p: { ars: string }) => p.ars);
}

/** The answer link a mail of `mailingId` carries for this authority and purpose (its path). */
async function issueLink(r: Rollout, ars: string, purpose: LinkPurpose, mailingId: string): Promise<string> {
  const urls = await issueResponseLinks(r.env.handle.db, {
    secret: await getLinkSecret(r.env.handle.db),
    solutionId: r.id,
    ars,
    mailingId,
    purposes: [purpose],
    expiresAt: new Date(r.env.clock.now.getTime() + 30 * DAY),
    baseUrl: 'http://efa.test',
  });
  return new URL(urls[purpose]!).pathname;
}

/** Opens the form behind the link and posts it as a browser does (same-origin). */
async function answerByLink(r: Rollout, path: string, fields: Record<string, string>) {
  const form = await r.env.app.inject({ url: path });
  const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)![1]!;
  return r.env.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    payload: new URLSearchParams({ csrf, ...fields }).toString(),
  });
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: a pause during the Erstinformation holds its effects, FORTSETZEN runs them exactly once`, async (t) => {
    const r = await kreisSolution(t, kind);
    const mailing = await r.post(`${r.base}/mailings`, { kind: 'erstinformation' });
    t.equal(mailing.statusCode, 201, mailing.body);
    t.equal((await r.event({ type: 'PAUSIEREN', reason: 'Rückfrage des Bundes' })).statusCode, 200);
    await drainSettling(r.env);

    const progress = (await r.env.app.inject({ url: `${r.base}/mailings/${mailing.json().mailingId}`, headers: bearer(r.token) })).json();
    t.equal(progress.messages.byStatus.angenommen, 18, 'the mailing the ministry started still went out');
    t.same(await stagesOf(r), { vorgemerkt: 18 }, 'nobody moved while paused');
    t.equal(await r.jobs('participant.inform', 'waiting'), 18, 'each accepted mail waits to inform its authority');
    t.equal(await r.jobs('mailing.handedOver', 'waiting'), 1, 'the hand-over waits too');
    const paused = (await r.env.app.inject({ url: r.base, headers: bearer(r.token) })).json();
    t.equal(paused.context.erstinformationVersandtAm, null);

    t.equal((await r.event({ type: 'FORTSETZEN' })).json().stage, 'erstinformation');
    await drainSettling(r.env);
    t.same(await stagesOf(r), { informiert: 18 }, 'after FORTSETZEN every authority is informed');
    const resumed = (await r.env.app.inject({ url: r.base, headers: bearer(r.token) })).json();
    t.ok(resumed.context.erstinformationVersandtAm, 'and the Erstinformation is recorded as sent');
    t.equal(await r.count('history', { event_type: 'ERSTINFORMATION_VERSANDT' }), 1, 'exactly once');
    t.equal(await r.count('history', { event_type: 'INFORMIEREN' }), 18, 'one INFORMIEREN per authority');
    t.equal((await r.event({ type: 'PILOTPHASE_STARTEN' })).statusCode, 200, 'step 2 can start');
  });

  t.test(`${kind}: a pause during a wave's invitation holds it; a re-run of the effect changes nothing`, async (t) => {
    const r = await kreisSolution(t, kind);
    const informed = await toRollout(t, r);
    t.equal(informed.length, 18);
    t.equal((await r.event({ type: 'WELLE_STARTEN', label: 'Welle 1', authorities: informed, fristTage: 5 })).statusCode, 200);
    t.equal((await r.event({ type: 'PAUSIEREN', reason: 'Haushaltssperre' })).statusCode, 200);
    await r.env.worker.drain();
    t.same(await stagesOf(r), { informiert: 18 }, 'no invitation while paused');
    t.equal(await r.jobs('effect.inviteWave', 'waiting'), 1);

    await r.event({ type: 'FORTSETZEN' });
    await r.env.worker.drain();
    t.same(await stagesOf(r), { eingeladen: 18 });
    t.equal(await r.count('history', { event_type: 'EINLADEN' }), 18);
    // The effect runs again (a crash after its work, before 'done' was recorded): nothing doubles.
    await r.env.handle.db.updateTable('job').set({ status: 'pending' }).where('kind', '=', 'effect.inviteWave').execute();
    await r.env.worker.drain();
    t.equal(await r.count('history', { event_type: 'EINLADEN' }), 18, 'already applied invitations are recognised');
    t.equal(await r.jobs('effect.inviteWave', 'done'), 1);
  });

  t.test(`${kind}: a timer that falls due during a pause fires after FORTSETZEN`, async (t) => {
    const r = await kreisSolution(t, kind);
    await toRollout(t, r);
    await r.event({ type: 'WELLE_STARTEN', label: 'Welle 1', authorities: [BARNIM], fristTage: 2 });
    await r.env.worker.drain();
    await r.event({ type: 'PAUSIEREN', reason: 'Urlaubszeit' });
    r.env.clock.now = new Date(r.env.clock.now.getTime() + 3 * DAY);
    await r.env.worker.drain();
    t.equal((await r.participant(BARNIM)).context.erinnerungen, 0, 'no reminder while paused');
    t.equal(await r.jobs('timer.deliverEvent', 'waiting'), 1);
    await r.event({ type: 'FORTSETZEN' });
    await r.env.worker.drain();
    t.equal((await r.participant(BARNIM)).context.erinnerungen, 1, 'the due timer fired once after FORTSETZEN');
  });

  t.test(`${kind}: system events are refused for every API caller and not offered`, async (t) => {
    const r = await kreisSolution(t, kind);
    for (const token of [r.token, r.env.adminToken]) {
      const skip = await r.env.app.inject({ method: 'POST', url: `${r.base}/events`, headers: bearer(token), payload: { type: 'ERSTINFORMATION_VERSANDT' } });
      t.equal(skip.statusCode, 403);
      t.match(skip.headers['content-type'], /application\/problem\+json/);
      t.match(skip.json().detail, /sendet nur das System.*Mailing/s, 'the answer says who sends it');
      for (const type of ['INFORMIEREN', 'EINLADEN']) {
        const participant = await r.env.app.inject({
          method: 'POST',
          url: `${r.base}/participants/${POTSDAM}/events`,
          headers: bearer(token),
          payload: { type, wave: 'Welle 1' },
        });
        t.equal(participant.statusCode, 403, type);
      }
    }
    const allowed = (await r.env.app.inject({ url: `${r.base}/allowed-events`, headers: bearer(r.token) })).json().allowedEvents;
    t.notOk(allowed.includes('ERSTINFORMATION_VERSANDT'));
    t.ok(allowed.includes('PAUSIEREN'));
    const participantAllowed = (await r.participant(POTSDAM)).allowedEvents;
    t.notOk(participantAllowed.includes('INFORMIEREN'));
    t.notOk(participantAllowed.includes('EINLADEN'));
    t.equal(await r.count('history', { participant_ars: POTSDAM }), 0, 'nothing was written');
  });

  t.test(`${kind}: nothing goes out after the end; a paused solution's reminders wait`, async (t) => {
    const r = await kreisSolution(t, kind);
    const informed = await toRollout(t, r);
    const [excluded, ...others] = informed as [string, ...string[]];
    await r.event({ type: 'WELLE_STARTEN', label: 'Welle 1', authorities: informed, fristTage: 30 });
    await r.env.worker.drain();
    const deadline = berlinDate(new Date(r.env.clock.now.getTime() + 5 * DAY));
    const mailing = await r.post(`${r.base}/mailings`, { kind: 'rollout-einladung', deadline, reminders: { count: 2, intervalDays: 3 } });
    t.equal(mailing.statusCode, 201, mailing.body);
    await r.env.worker.drain();
    t.equal(await r.jobs('mailing.reminder', 'pending'), 18);

    // An excluded authority's reminders are cancelled at once.
    t.equal((await r.post(`${r.base}/participants/${excluded}/events`, { type: 'AUSSCHLIESSEN', reason: 'Aufgabe übertragen' })).statusCode, 200);
    const excludedReminders = await r.env.handle.db
      .selectFrom('job')
      .select('status')
      .where('kind', '=', 'mailing.reminder')
      .where('ars', '=', excluded)
      .execute();
    t.same(excludedReminders, [{ status: 'cancelled' }]);

    // Paused past the deadline: reminders wait.
    await r.event({ type: 'PAUSIEREN', reason: 'Rückfrage' });
    r.env.clock.now = new Date(r.env.clock.now.getTime() + 7 * DAY);
    await r.env.worker.drain();
    const reminderMails = () =>
      r.env.handle.db.selectFrom('mail_message').select(sql<number>`count(*)::int`.as('n')).where('kind', 'in', ['erinnerung', 'eskalation']).executeTakeFirstOrThrow();
    t.equal((await reminderMails()).n, 0, 'no reminder while paused');
    t.equal(await r.jobs('mailing.reminder', 'waiting'), 17);
    await r.event({ type: 'FORTSETZEN' });
    await r.env.worker.drain();
    t.equal((await reminderMails()).n, 17, 'after FORTSETZEN the 17 silent authorities are reminded, the excluded one not');

    // Everybody else is excluded, the solution ends: every pending reminder and escalation is cancelled.
    for (const ars of others) await r.post(`${r.base}/participants/${ars}/events`, { type: 'AUSSCHLIESSEN', reason: 'Test' });
    t.equal((await r.event({ type: 'ABSCHLIESSEN' })).json().stage, 'abgeschlossen');
    const open = await r.env.handle.db
      .selectFrom('job')
      .select(['kind', 'status'])
      .where('solution_id', '=', r.id)
      .where('status', 'in', ['pending', 'waiting'])
      .execute();
    t.same(open, [], 'no timer, reminder or escalation of the solution is left');
    r.env.clock.now = new Date(r.env.clock.now.getTime() + 60 * DAY);
    await r.env.worker.drain();
    t.equal((await reminderMails()).n, 17, 'nothing more was sent after the end');
  });

  t.test(`${kind}: an authority can answer as soon as its own mail arrived`, async (t) => {
    const r = await kreisSolution(t, kind);
    const mailing = await r.post(`${r.base}/mailings`, { kind: 'erstinformation' });
    // The mail to Potsdam is out, the system has not yet noted anything: Potsdam clicks at once.
    const path = await issueLink(r, POTSDAM, 'interesse', mailing.json().mailingId);
    t.equal((await r.participant(POTSDAM)).stage, 'vorgemerkt');
    const answer = await answerByLink(r, path, { wahl: 'interesse' });
    t.equal(answer.statusCode, 200, answer.body.slice(0, 400));
    t.equal((await r.participant(POTSDAM)).stage, 'interessiert');
    const steps = await r.env.handle.db
      .selectFrom('history')
      .select(['event_type', 'actor'])
      .where('participant_ars', '=', POTSDAM)
      .where('solution_id', '=', r.id)
      .orderBy('id')
      .execute();
    t.same(steps, [
      { event_type: 'INFORMIEREN', actor: 'system:antwort-link' },
      { event_type: 'INTERESSE_BEKUNDEN', actor: `behoerde:${POTSDAM}:link:interesse` },
    ]);

    await drainSettling(r.env);
    t.equal((await r.participant(POTSDAM)).stage, 'interessiert', 'the later acceptance of its mail changes nothing');
    t.equal(await r.count('history', { event_type: 'INFORMIEREN' }), 18, 'the others were informed by their accepted mails');
    const order = await r.env.handle.db
      .selectFrom('history')
      .select(['event_type', 'actor'])
      .where('solution_id', '=', r.id)
      .where('event_type', 'in', ['INFORMIEREN', 'ERSTINFORMATION_VERSANDT'])
      .orderBy('id')
      .execute();
    t.equal(order.at(-1)!.event_type, 'ERSTINFORMATION_VERSANDT', 'authorities were informed before the whole mailing was through');
    t.ok(order.slice(1, -1).every((step) => step.actor === 'system:erstinformation'));
  });

  t.test(`${kind}: the BUS-BB date is kept as reported; an answer's events commit as one`, async (t) => {
    const r = await kreisSolution(t, kind);
    await toRollout(t, r);
    await r.event({ type: 'WELLE_STARTEN', label: 'Welle 1', authorities: [BARNIM, HAVELLAND], fristTage: 14 });
    await r.env.worker.drain();
    const participantEvent = (ars: string, payload: object) => r.post(`${r.base}/participants/${ars}/events`, payload);
    await participantEvent(BARNIM, { type: 'ONBOARDING_STARTEN' });
    const report = { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://elterngeld.barnim.example' };
    const future = await participantEvent(BARNIM, { ...report, verknuepftAm: '2999-01-01' });
    t.equal(future.statusCode, 422);
    t.equal(future.json().errors[0].field, '/body/verknuepftAm');
    const impossible = await participantEvent(BARNIM, { ...report, verknuepftAm: '2025-02-30' });
    t.equal(impossible.statusCode, 422, '2025-02-30 is no date');
    const linked = await participantEvent(BARNIM, { ...report, verknuepftAm: '2026-01-15' });
    t.equal(linked.statusCode, 200, linked.body);
    t.same(linked.json().context.busBb, {
      onlineDienstUrl: 'https://elterngeld.barnim.example',
      verknuepftAm: '2026-01-15',
      gemeldetAm: r.env.clock.now.toISOString(),
    });
    const [entry] = await r.env.handle.db
      .selectFrom('history')
      .select('event')
      .where('participant_ars', '=', BARNIM)
      .where('event_type', '=', 'BUS_BB_VERKNUEPFUNG_MELDEN')
      .execute();
    t.match(entry!.event, { verknuepftAm: '2026-01-15' }, 'the history keeps the reported date');

    // Havelland answers from 'eingeladen' with its BUS-BB report: two events. The second
    // fails in the database – the first must not remain either.
    await sql`alter table history add constraint test_reject check (event_type <> 'BUS_BB_VERKNUEPFUNG_MELDEN') not valid`.execute(r.env.handle.db);
    const mailingId = (await r.env.handle.db.selectFrom('mailing').select('id').where('solution_id', '=', r.id).executeTakeFirstOrThrow()).id;
    const path = await issueLink(r, HAVELLAND, 'bus-bb', mailingId);
    const failed = await answerByLink(r, path, { onlineDienstUrl: 'https://elterngeld.havelland.example', verknuepftAm: berlinDate(r.env.clock.now) });
    t.equal(failed.statusCode, 500);
    const havelland = await r.participant(HAVELLAND);
    t.equal(havelland.stage, 'eingeladen', 'ONBOARDING_STARTEN was rolled back with the failed report');
    t.equal(await r.count('history', { participant_ars: HAVELLAND, event_type: 'ONBOARDING_STARTEN' }), 0);
    const link = await r.env.handle.db.selectFrom('response_link').select(['used_at', 'answer']).where('ars', '=', HAVELLAND).where('purpose', '=', 'bus-bb').executeTakeFirstOrThrow();
    t.same(link, { used_at: null, answer: null }, 'the link can still be used');
  });
}
