import t from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { BARNIM, POTSDAM, ticketSetUp } from '../helpers/tickets.ts';
import { PARTICIPANT_PRECONDITIONS } from '../../src/composition.ts';

const DAY = 24 * 60 * 60 * 1000;
const setUp = ticketSetUp;

for (const kind of databaseKinds()) {
  t.test(`${kind}: the Kaz works a ticket to geschlossen, reopens it within the period and not after it`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { token, kaz, id, api } = await setUp(env);

    const created = await api('POST', '/tickets', token, {
      solutionId: id,
      ars: BARNIM,
      category: 'transport',
      priority: 'hoch',
      title: 'OSCI-XTA: Nachrichten kommen nicht an',
      description: 'Seit dem Zertifikatswechsel keine Zustellung',
    });
    t.equal(created.statusCode, 201, created.body);
    const ticket = created.json();
    t.equal(created.headers.location, `/api/v1/tickets/${ticket.id}`);
    t.match(ticket, { stage: 'neu', source: 'ministerium', blocking: false, assignee: null, authorityName: String, kreisArs: BARNIM, sla: { state: 'im-plan' } });
    t.same(ticket.allowedEvents.sort(), ['AUF_KOMMUNE_WARTEN', 'BEARBEITUNG_BEGINNEN', 'LOESEN']);
    const url = `/tickets/${ticket.id}`;

    // Bad input: 422 naming the field, nothing written.
    for (const [payload, field] of [
      [{ solutionId: id, ars: BARNIM, category: 'drucker', title: 'x', description: 'y' }, '/body/category'],
      [{ solutionId: id, ars: BARNIM, category: 'transport', title: ' ', description: 'y' }, '/body/title'],
      [{ solutionId: id, ars: BARNIM, category: 'transport', title: 'x', description: 'y'.repeat(5001) }, '/body/description'],
      [{ solutionId: id, ars: BARNIM, category: 'transport', title: 'x', description: 'Signal \u0007 im Text' }, '/body/description'],
      [{ solutionId: id, ars: BARNIM, category: 'transport', title: 'x', description: 'y', priority: 'dringend' }, '/body/priority'],
      [{ solutionId: id, ars: BARNIM, category: 'transport', title: 'x', description: 'y', assignee: 'Frau Kaz-Beispiel' }, '/body/assignee'],
    ] as const) {
      const response = await api('POST', '/tickets', kaz, payload);
      t.equal(response.statusCode, 422, response.body);
      t.ok(response.json().errors.some((e: { field: string }) => e.field.startsWith(field)), `${field}: ${JSON.stringify(response.json().errors)}`);
    }
    t.equal((await api('POST', '/tickets', kaz, { solutionId: id, ars: '129999999999', category: 'transport', title: 'x', description: 'y' })).statusCode, 404, 'not a participant');
    t.equal((await api('PATCH', url, kaz, {})).statusCode, 422, 'an empty change');
    t.equal((await api('PATCH', url, kaz, { assignee: 'Frau Kaz-Beispiel' })).statusCode, 422, 'the assignee is an address: she is told by mail');
    t.equal((await api('POST', `${url}/comments`, kaz, { text: 'x'.repeat(5001), visibility: 'intern' })).statusCode, 422);
    t.equal((await api('POST', `${url}/events`, kaz, { type: 'LOESEN', loesung: '  ' })).statusCode, 422, 'a blank solution');

    // Assign, comment internally and publicly, work it through.
    const assigned = await api('PATCH', url, kaz, { assignee: 'frau.beispiel@zit-bb.example', priority: 'normal' });
    t.equal(assigned.statusCode, 200, assigned.body);
    t.match(assigned.json(), { assignee: 'frau.beispiel@zit-bb.example', priority: 'normal' });
    t.ok(assigned.json().sla.resolutionDue > ticket.sla.resolutionDue, 'a lower priority moves the due time');
    t.equal((await api('POST', `${url}/comments`, kaz, { text: 'Zertifikat im DVDV prüfen', visibility: 'intern' })).statusCode, 201);
    t.equal((await api('GET', url, kaz)).json().sla.firstRespondedAt, null, 'an internal note is no response to the authority');
    const answer = await api('POST', `${url}/comments`, kaz, { text: 'Bitte senden Sie uns das neue Zertifikat.', visibility: 'oeffentlich' });
    t.equal(answer.statusCode, 201, answer.body);
    t.equal((await api('GET', url, kaz)).json().sla.firstRespondedAt, env.clock.now.toISOString(), 'a public answer is the first response');

    for (const [event, stage] of [
      [{ type: 'BEARBEITUNG_BEGINNEN' }, 'in-bearbeitung'],
      [{ type: 'AUF_KOMMUNE_WARTEN', grund: 'neues Zertifikat' }, 'wartet-auf-kommune'],
      [{ type: 'KOMMUNE_ANTWORTET' }, 'in-bearbeitung'],
      [{ type: 'LOESEN', loesung: 'Zertifikat im DVDV getauscht' }, 'geloest'],
      [{ type: 'SCHLIESSEN' }, 'geschlossen'],
    ] as const) {
      const response = await api('POST', `${url}/events`, kaz, event);
      t.equal(response.statusCode, 200, `${event.type}: ${response.body}`);
      t.equal(response.json().stage, stage);
    }
    const again = await api('POST', `${url}/events`, kaz, { type: 'SCHLIESSEN' });
    t.equal(again.statusCode, 409, 'not possible in geschlossen');
    t.same(again.json().allowedEvents, ['WIEDEREROEFFNEN']);

    // Reopened within the 14 days, solved again; after the period: 409.
    env.clock.now = new Date(env.clock.now.getTime() + 13 * DAY);
    const reopened = await api('POST', `${url}/events`, token, { type: 'WIEDEREROEFFNEN', grund: 'wieder keine Zustellung' });
    t.equal(reopened.statusCode, 200, reopened.body);
    t.match(reopened.json(), { stage: 'in-bearbeitung', context: { reopenCount: 1 } });
    t.equal((await api('POST', `${url}/events`, kaz, { type: 'LOESEN', loesung: 'Intermediär neu gestartet' })).statusCode, 200);
    env.clock.now = new Date(env.clock.now.getTime() + 15 * DAY);
    const late = await api('POST', `${url}/events`, kaz, { type: 'WIEDEREROEFFNEN', grund: 'schon wieder' });
    t.equal(late.statusCode, 409, late.body);

    // The full timeline: every change with its actor, both comments.
    const detail = (await api('GET', url, kaz)).json();
    t.same(
      detail.timeline.filter((e: { kind: string }) => e.kind === 'ereignis').map((e: { eventType: string }) => e.eventType),
      ['TICKET_ERSTELLT', 'TICKET_GEAENDERT', 'BEARBEITUNG_BEGINNEN', 'AUF_KOMMUNE_WARTEN', 'KOMMUNE_ANTWORTET', 'LOESEN', 'SCHLIESSEN', 'WIEDEREROEFFNEN', 'LOESEN'],
    );
    t.match(detail.timeline[0].actor, /^ministerium:MSGIV:/, 'opened by the ministry');
    t.ok(detail.timeline.filter((e: { kind: string }) => e.kind === 'ereignis').slice(1).every((e: { actor: string }) => e.actor.startsWith('kaz:') || e.actor.startsWith('ministerium:')));
    t.match(
      detail.timeline.filter((e: { kind: string }) => e.kind === 'kommentar'),
      [
        { visibility: 'intern', text: 'Zertifikat im DVDV prüfen', actor: /^kaz:/ },
        { visibility: 'oeffentlich', text: /neue Zertifikat/, actor: /^kaz:/ },
      ],
    );
    const history = (await api('GET', `/solutions/${id}/history?ars=${BARNIM}`, token)).json();
    t.notOk(history.items.some((e: { eventType: string }) => e.eventType.startsWith('TICKET_')), "the solution's history keeps to the rollout");
  });

  t.test(`${kind}: queue, counts and scopes – a ministry sees only its own solutions' tickets, the Kaz all`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { token, kaz, id, api } = await setUp(env);
    const other = await env.ministryToken('MIK');
    const mine = await api('POST', '/tickets', token, { solutionId: id, ars: POTSDAM, category: 'epayment', priority: 'niedrig', title: 'ePayment', description: 'ePayBL-Mandant fehlt' });
    const urgent = await api('POST', '/tickets', kaz, { solutionId: id, ars: BARNIM, category: 'bundid', priority: 'kritisch', title: 'BundID', description: 'Login schlägt fehl', assignee: 'herr.kaz@zit-bb.example' });
    t.equal(urgent.json().source, 'kaz');

    const queue = (await api('GET', '/tickets', kaz)).json();
    t.equal(queue.total, 2);
    t.same(queue.items.map((i: { title: string }) => i.title), ['BundID', 'ePayment'], 'the most urgent first');
    t.same((await api('GET', '/tickets?priority=niedrig', kaz)).json().items.map((i: { title: string }) => i.title), ['ePayment']);
    t.same((await api('GET', '/tickets?category=bundid,transport', kaz)).json().items.map((i: { title: string }) => i.title), ['BundID']);
    t.equal((await api('GET', `/tickets?landkreis=${BARNIM}`, kaz)).json().total, 1);
    t.equal((await api('GET', '/tickets?assignee=herr.kaz%40zit-bb.example', kaz)).json().total, 1);
    t.equal((await api('GET', `/tickets?solutionId=${id}&status=neu`, kaz)).json().total, 2);
    t.equal((await api('GET', '/tickets?limit=1&offset=1', kaz)).json().items[0].title, 'ePayment');
    t.equal((await api('GET', '/tickets?status=offen', kaz)).statusCode, 422);

    // A week later both are overdue; the counts say so.
    env.clock.now = new Date(env.clock.now.getTime() + 21 * DAY);
    t.equal((await api('GET', '/tickets?sla=ueberschritten', kaz)).json().total, 2);
    const counts = (await api('GET', '/tickets/counts', kaz)).json();
    t.match(counts, { total: 2, bySla: { ueberschritten: 2, 'im-plan': 0 }, byStage: { neu: 2 } });

    // Scopes.
    t.equal((await api('GET', '/tickets', token)).json().total, 2, 'the ministry sees its solution’s tickets');
    t.equal((await api('GET', '/tickets', other)).json().total, 0, 'another ministry sees none');
    t.equal((await api('GET', '/tickets/counts', other)).json().total, 0);
    t.equal((await api('GET', `/tickets/${mine.json().id}`, other)).statusCode, 404);
    t.equal((await api('POST', `/tickets/${mine.json().id}/events`, other, { type: 'BEARBEITUNG_BEGINNEN' })).statusCode, 404);
    t.equal((await api('POST', `/tickets/${mine.json().id}/comments`, other, { text: 'x', visibility: 'intern' })).statusCode, 404);
    t.equal((await api('PATCH', `/tickets/${mine.json().id}`, other, { blocking: true })).statusCode, 404);
    t.equal((await api('POST', '/tickets', other, { solutionId: id, ars: POTSDAM, category: 'epayment', title: 'x', description: 'y' })).statusCode, 404);
    t.equal((await api('GET', '/tickets', await env.roleToken('landesredaktion'))).statusCode, 403);
  });

  t.test(`${kind}: "nicht bereit" for technical reasons opens exactly one ticket per reason`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { kaz, participantEvent, api } = await setUp(env);
    const first = await participantEvent(BARNIM, { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['fachverfahren-anbindung', 'epayment', 'personal'] });
    t.equal(first.statusCode, 200, first.body);
    const second = await participantEvent(BARNIM, { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['fachverfahren-anbindung', 'transport', 'avv'], freitext: 'AVV liegt beim Datenschutz' });
    t.equal(second.statusCode, 200, second.body);
    await participantEvent(BARNIM, { type: 'BEREITSCHAFT_MELDEN', status: 'nicht-bereit', gruende: ['fachverfahren-anbindung'] });
    const queue = (await api('GET', `/tickets?landkreis=${BARNIM}`, kaz)).json();
    t.same(queue.items.map((i: { category: string }) => i.category).sort(), ['datenschutz-avv', 'epayment', 'fachverfahren-anbindung', 'transport']);
    t.ok(queue.items.every((i: { source: string; openedBy: string }) => i.source === 'automatisch' && i.openedBy === 'system:bereitschaft'));
    const avv = queue.items.find((i: { category: string }) => i.category === 'datenschutz-avv');
    t.match((await api('GET', `/tickets/${avv.id}`, kaz)).json(), { autoReason: 'avv', description: /AVV liegt beim Datenschutz/ });
  });

  t.test(`${kind}: an open blocking ticket holds the participant back from live; solved, it goes through`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { token, kaz, id, api, participantEvent, base } = await setUp(env);
    for (const event of [
      { type: 'ONBOARDING_STARTEN' },
      { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://meldewesen.brandenburg.example/antrag' },
      { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'online-dienst-angelegt' },
      { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'zustaendigkeit-zugeordnet' },
      { type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt: 'lsp-sichtbar' },
    ]) {
      const response = await participantEvent(POTSDAM, event);
      t.equal(response.statusCode, 200, `${event.type}: ${response.body}`);
    }
    const ticket = (await api('POST', '/tickets', kaz, { solutionId: id, ars: POTSDAM, category: 'fachverfahren-anbindung', title: 'Fachverfahren antwortet nicht', description: 'XMeld-Schnittstelle', blocking: true })).json();
    const refused = await participantEvent(POTSDAM, { type: 'LIVE_BESTAETIGEN' });
    t.equal(refused.statusCode, 409, refused.body);
    t.equal(refused.json().detail, 'Ein offenes blockierendes Ticket bei der Kaz (ZIT-BB) hält den Live-Gang auf; er ist möglich, sobald es gelöst ist.');
    t.same(refused.json().blockingTickets.map((b: { id: string; title: string }) => [b.id, b.title]), [[ticket.id, 'Fachverfahren antwortet nicht']], 'the ministry reads the tickets in the details');
    const bulk = await env.app.inject({ method: 'POST', url: `${base}/participants/events`, headers: bearer(token), payload: { event: { type: 'LIVE_BESTAETIGEN' }, authorities: [POTSDAM] } });
    t.equal(bulk.json().counts.refused, 1, 'the bulk action meets the same precondition');
    // A pilot's go-live meets it before its checklist (the pilot path itself is tested in pilots.test.ts).
    const pilotRefusal = await env.handle.db
      .transaction()
      .execute((trx) => PARTICIPANT_PRECONDITIONS.PILOT_LIVE_MELDEN!(trx, { solutionId: id, ars: POTSDAM, stage: 'pilot', event: { type: 'PILOT_LIVE_MELDEN' } }));
    t.match(pilotRefusal, { reason: /Ein offenes blockierendes Ticket/, details: { blockingTicketCount: 1, blockingTickets: [{ id: ticket.id }] } });

    // The ministry sees the blocked member in its wave's progress.
    const wave = await api('POST', `/solutions/${id}/waves`, token, { name: 'Nachzügler', authorities: [POTSDAM, BARNIM] });
    t.equal(wave.statusCode, 201, wave.body);
    const progress = (await api('GET', `/solutions/${id}/waves/${wave.json().id}/progress`, token)).json();
    t.match(progress.blockiert, { count: 1, authorities: [{ ars: POTSDAM, ticketCount: 1, tickets: [{ id: ticket.id, title: 'Fachverfahren antwortet nicht' }] }] });

    t.equal((await api('POST', `/tickets/${ticket.id}/events`, kaz, { type: 'LOESEN', loesung: 'Schnittstelle freigeschaltet' })).statusCode, 200);
    t.equal((await api('PATCH', `/tickets/${ticket.id}`, kaz, { blocking: true })).statusCode, 200, 'unchanged flag: nothing to refuse');
    t.equal((await api('GET', `/solutions/${id}/waves/${wave.json().id}/progress`, token)).json().blockiert.count, 0, 'solved: no longer blocked');
    const live = await participantEvent(POTSDAM, { type: 'LIVE_BESTAETIGEN' });
    t.equal(live.statusCode, 200, live.body);
    t.equal(live.json().stage, 'live');
  });

  t.test(`${kind}: SLA due times in Brandenburg working time – weekend, Reformationstag, and the pause in wartet-auf-kommune`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { kaz, id, api } = await setUp(env);
    // Thursday 30 Oct 2025, 14:00 in Berlin (CET since 26 Oct); Friday 31 Oct is Reformationstag.
    env.clock.now = new Date('2025-10-30T13:00:00Z');
    const critical = (await api('POST', '/tickets', kaz, { solutionId: id, ars: BARNIM, category: 'transport', priority: 'kritisch', title: 'kritisch', description: 'x' })).json();
    t.equal(critical.sla.firstResponseDue, '2025-10-30T14:00:00.000Z', 'one working hour: Thursday 15:00');
    t.equal(critical.sla.resolutionDue, '2025-11-03T13:00:00.000Z', 'one working day: over the holiday and the weekend to Monday 14:00');
    const normal = (await api('POST', '/tickets', kaz, { solutionId: id, ars: POTSDAM, category: 'epayment', title: 'normal', description: 'x' })).json();
    t.equal(normal.sla.firstResponseDue, '2025-11-03T13:00:00.000Z');
    t.equal(normal.sla.resolutionDue, '2025-11-07T13:00:00.000Z', 'five working days: Friday 7 Nov 14:00');
    const url = `/tickets/${normal.id}`;
    const slaEntries = async (ticketId: string) =>
      (await api('GET', `/tickets/${ticketId}`, kaz)).json().timeline
        .filter((e: { eventType: string }) => e.eventType.startsWith('TICKET_SLA_'))
        .map((e: { eventType: string; event: { frist: string }; at: string }) => `${e.eventType}:${e.event.frist}@${e.at}`);

    // Durable timers: 75 % of the critical ticket's first hour is 14:45 Berlin.
    env.clock.now = new Date('2025-10-30T13:50:00Z');
    await env.worker.drain();
    t.same(await slaEntries(critical.id), ['TICKET_SLA_WARNUNG:erste-reaktion@2025-10-30T13:50:00.000Z']);

    // Monday 09:00 the Kaz starts and waits for the authority until Tuesday 09:00: 480 working minutes.
    env.clock.now = new Date('2025-11-03T08:00:00Z');
    await api('POST', `${url}/events`, kaz, { type: 'BEARBEITUNG_BEGINNEN' });
    await api('POST', `${url}/events`, kaz, { type: 'AUF_KOMMUNE_WARTEN', grund: 'Zugang zum ePayBL-Mandanten' });
    env.clock.now = new Date('2025-11-04T08:00:00Z');
    const waiting = (await api('GET', url, kaz)).json();
    t.match(waiting.sla, { state: 'pausiert', pausedSince: '2025-11-03T08:00:00.000Z', firstRespondedAt: '2025-11-03T08:00:00.000Z' });
    t.equal((await api('GET', '/tickets?sla=pausiert', kaz)).json().total, 1);
    await api('POST', `${url}/events`, kaz, { type: 'KOMMUNE_ANTWORTET' });
    const resumed = (await api('GET', url, kaz)).json();
    t.match(resumed.sla, { state: 'im-plan', pausedMinutes: 480, pausedSince: null, resolutionDue: '2025-11-10T13:00:00.000Z' }, 'one working day later');

    // The original due time (Fri 7 Nov 14:00) passes without a breach: the timer moved with the pause.
    env.clock.now = new Date('2025-11-07T13:30:00Z');
    await env.worker.drain();
    // 75 % of 2400 + 480 paused working minutes is Friday 12:00 Berlin: the warning is due, the breach is not.
    t.same(
      await slaEntries(normal.id),
      ['TICKET_SLA_WARNUNG:loesung@2025-11-07T13:30:00.000Z'],
      'no breach at the original due time, no warning of the first response (answered in time)',
    );

    // 75 % of the budget used: bald fällig; after the due time: überschritten.
    env.clock.now = new Date('2025-11-10T07:30:00Z');
    t.equal((await api('GET', url, kaz)).json().sla.state, 'bald-faellig');
    env.clock.now = new Date('2025-11-10T13:00:01Z');
    t.equal((await api('GET', url, kaz)).json().sla.state, 'ueberschritten');
    t.equal((await api('GET', '/tickets?sla=ueberschritten', kaz)).json().total, 2);
    await env.worker.drain();
    t.same(await slaEntries(normal.id), ['TICKET_SLA_WARNUNG:loesung@2025-11-07T13:30:00.000Z', 'TICKET_SLA_UEBERSCHRITTEN:loesung@2025-11-10T13:00:01.000Z']);
    await api('POST', `${url}/events`, kaz, { type: 'LOESEN', loesung: 'Mandant angelegt' });
    env.clock.now = new Date('2025-11-20T13:00:00Z');
    await env.worker.drain();
    t.equal((await slaEntries(normal.id)).length, 2, 'nothing fires twice, nothing after the solution');
  });
}
