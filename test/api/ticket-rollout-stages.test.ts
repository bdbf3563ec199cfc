import t from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { drainSettling } from '../helpers/rollout.ts';
import { BARNIM, ticketSetUp } from '../helpers/tickets.ts';

// Tickets and the rollout's own stages: a pause does not stop the Kaz (nor its SLA), an
// ended rollout takes no new tickets but lets the open ones be worked to the end.

const HOUR = 60 * 60 * 1000;

async function setUp(env: TestApp) {
  const { token, kaz, id, api } = await ticketSetUp(env);
  const solutionEvent = (event: Record<string, unknown>) => api('POST', `/solutions/${id}/events`, token, event);
  const openTicket = (priority = 'kritisch') =>
    api('POST', '/tickets', kaz, { solutionId: id, ars: BARNIM, category: 'epayment', priority, title: 'ePayment-Anbindung', description: 'Zahlungen brechen ab' });
  return { kaz, api, solutionEvent, openTicket };
}

const slaJobs = (env: TestApp, ticketId: string) =>
  env.handle.db
    .selectFrom('job')
    .select(['status'])
    .where('kind', '=', 'ticket.slaFrist')
    .where('payload', '@>', JSON.stringify({ ticketId }) as never)
    .execute();

for (const kind of databaseKinds()) {
  t.test(`${kind}: a paused rollout keeps its tickets running, SLA included`, async (t) => {
    const env = await buildTestApp(t, kind);
    // a Wednesday in office hours, so the kritisch budget (60 working minutes) runs at once
    env.clock.now = new Date('2026-03-11T09:00:00Z');
    const { api, solutionEvent, openTicket } = await setUp(env);
    const paused = await solutionEvent({ type: 'PAUSIEREN', reason: 'Haushaltssperre' });
    t.equal(paused.statusCode, 200, paused.body);

    const created = await openTicket();
    t.equal(created.statusCode, 201, created.body);
    const ticketId = created.json().id;

    env.clock.now = new Date(env.clock.now.getTime() + 2 * HOUR);
    await drainSettling(env);
    const detail = (await api('GET', `/tickets/${ticketId}`, await env.roleToken('kaz'))).json();
    t.equal(detail.sla.state, 'ueberschritten', 'the first-response clock ran during the pause');
    t.ok(detail.timeline.some((entry: { eventType: string }) => entry.eventType === 'TICKET_SLA_UEBERSCHRITTEN'), 'the breach fired during the pause');
  });

  t.test(`${kind}: an ended rollout takes no new tickets; the open ones are worked and closed, without SLA`, async (t) => {
    const env = await buildTestApp(t, kind);
    env.clock.now = new Date('2026-03-11T09:00:00Z');
    const { kaz, api, solutionEvent, openTicket } = await setUp(env);
    const created = await openTicket('normal');
    t.equal(created.statusCode, 201, created.body);
    const ticketId = created.json().id;
    t.ok((await slaJobs(env, ticketId)).some((job) => job.status === 'pending'), 'SLA timers planned');

    const ended = await solutionEvent({ type: 'ABBRECHEN', reason: 'Dienst wird eingestellt' });
    t.equal(ended.statusCode, 200, ended.body);
    t.notOk((await slaJobs(env, ticketId)).some((job) => job.status === 'pending'), 'the end cancelled the SLA timers');

    const refused = await openTicket();
    t.equal(refused.statusCode, 409, refused.body);
    t.match(refused.headers['content-type'], /application\/problem\+json/);
    t.match(refused.json().detail, /beendet/);
    t.equal((await api('GET', '/tickets', kaz)).json().total, 1, 'nothing written');

    for (const event of [{ type: 'BEARBEITUNG_BEGINNEN' }, { type: 'LOESEN', loesung: 'Abgestimmt: Anbindung entfällt' }, { type: 'SCHLIESSEN' }]) {
      const response = await api('POST', `/tickets/${ticketId}/events`, kaz, event);
      t.equal(response.statusCode, 200, `${event.type}: ${response.body}`);
    }
    const reopened = await api('POST', `/tickets/${ticketId}/events`, kaz, { type: 'WIEDEREROEFFNEN', grund: 'doch noch offen' });
    t.equal(reopened.statusCode, 200, reopened.body);
    t.notOk((await slaJobs(env, ticketId)).some((job) => job.status === 'pending'), 'a reopened ticket of an ended rollout plans no SLA timer');
  });
}
