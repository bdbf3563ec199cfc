import t from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { POTSDAM, BARNIM, ticketSetUp } from '../helpers/tickets.ts';
import { drainSettling } from '../helpers/rollout.ts';
import { blockingTicketsReason } from '../../src/tickets/blocking-tickets.gate.ts';

/**
 * What each role reads beyond the route table (issue 14, point 9; README "Within a route,
 * a role reads only what it may"): of a blocking ticket the Landesredaktion learns that
 * one of the Kaz holds the go-live back, never its id, number or title – in the refusal of
 * LIVE_BESTAETIGEN, the participant's blockedEvents and the wave's progress – while the
 * ministry of the solution, the Kaz and the admin read the tickets. Every role that reads
 * a solution reads its mailings, templates and mail details, and none of these holds an
 * answer link; the preview, which does, is the steering roles' only.
 */

const SECRET_TITLE = 'Zugangsdaten Fachverfahren XMeld vertraulich';

for (const kind of databaseKinds()) {
  t.test(`${kind}: a blocking ticket – the Landesredaktion learns that it exists, the others read it`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { token: ministry, kaz, id: solutionId, api, participantEvent } = await ticketSetUp(env);
    const redaktion = await env.roleToken('landesredaktion');
    for (const event of [
      { type: 'ONBOARDING_STARTEN' },
      { type: 'BUS_BB_VERKNUEPFUNG_MELDEN', onlineDienstUrl: 'https://meldewesen.brandenburg.example/antrag' },
      ...['online-dienst-angelegt', 'zustaendigkeit-zugeordnet', 'lsp-sichtbar'].map((schritt) => ({ type: 'BUS_BB_SCHRITT_BESTAETIGEN', schritt })),
    ]) {
      t.equal((await participantEvent(POTSDAM, event)).statusCode, 200, event.type);
    }
    const created = await api('POST', '/tickets', kaz, { solutionId, ars: POTSDAM, category: 'fachverfahren-anbindung', title: SECRET_TITLE, description: 'x', blocking: true });
    t.equal(created.statusCode, 201);
    const ticket = created.json() as { id: string; number: number };
    const leaks = (body: string) => [ticket.id, SECRET_TITLE, `#${ticket.number}`, '"number"'].filter((secret) => body.includes(secret));

    t.equal((await api('GET', `/tickets/${ticket.id}`, redaktion)).statusCode, 403, 'the Landesredaktion has no ticket route');

    const confirm = (auth: string) => api('POST', `/solutions/${solutionId}/participants/${POTSDAM}/events`, auth, { type: 'LIVE_BESTAETIGEN' });
    const refusedForRedaktion = await confirm(redaktion);
    t.equal(refusedForRedaktion.statusCode, 409);
    t.equal(refusedForRedaktion.json().detail, blockingTicketsReason(1), 'the reason says that a ticket of the Kaz holds it back');
    t.equal(refusedForRedaktion.json().blockingTicketCount, 1);
    t.notOk('blockingTickets' in refusedForRedaktion.json(), 'no ticket details for the Landesredaktion');
    t.same(leaks(refusedForRedaktion.body), [], 'the 409 names no id, number or title');

    const participantForRedaktion = await api('GET', `/solutions/${solutionId}/participants/${POTSDAM}`, redaktion);
    t.same(participantForRedaktion.json().blockedEvents.find((b: { type: string }) => b.type === 'LIVE_BESTAETIGEN'), { type: 'LIVE_BESTAETIGEN', reason: blockingTicketsReason(1) });
    t.same(leaks(participantForRedaktion.body), [], 'the participant view names no ticket');

    for (const [role, auth] of [['ministry', ministry], ['admin', env.adminToken]] as const) {
      const refused = await confirm(auth);
      t.equal(refused.statusCode, 409);
      t.equal(refused.json().detail, blockingTicketsReason(1), `${role}: the same reason`);
      t.same(refused.json().blockingTickets, [{ id: ticket.id, number: ticket.number, title: SECRET_TITLE, stage: 'neu' }], `${role} reads the tickets in the details`);
    }

    const wave = await api('POST', `/solutions/${solutionId}/waves`, ministry, { name: 'Nachzügler', authorities: [POTSDAM, BARNIM] });
    t.equal(wave.statusCode, 201, wave.body);
    const progressUrl = `/solutions/${solutionId}/waves/${wave.json().id}/progress`;
    const forRedaktion = await api('GET', progressUrl, redaktion);
    t.same(forRedaktion.json().blockiert, { count: 1, authorities: [{ ars: POTSDAM, name: 'Potsdam, Stadt', ticketCount: 1 }] }, 'the Landesredaktion sees the member and the count');
    t.same(leaks(forRedaktion.body), [], 'wave progress names no ticket to the Landesredaktion');
    for (const [role, auth] of [['ministry', ministry], ['kaz', kaz], ['admin', env.adminToken]] as const) {
      const progress = (await api('GET', progressUrl, auth)).json();
      t.same(progress.blockiert.authorities[0].tickets, [{ id: ticket.id, number: ticket.number, title: SECRET_TITLE }], `${role} reads the blocking ticket in wave progress`);
    }
  });

  t.test(`${kind}: the Kaz and the Landesredaktion read mailings, templates and mail details – without any answer link; the preview stays the ministry's`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { token: ministry, kaz, id: solutionId, api } = await ticketSetUp(env);
    await drainSettling(env);
    const redaktion = await env.roleToken('landesredaktion');
    const base = `/solutions/${solutionId}`;
    const preview = await api('POST', `${base}/mailings/preview`, ministry, { kind: 'erstinformation', ars: POTSDAM });
    t.equal(preview.statusCode, 200, preview.body);
    const liveLink = /http:\/\/efa\.test\/antwort\/[A-Za-z0-9_-]+/.exec(preview.json().text)?.[0];
    t.ok(liveLink, 'the preview carries the authority’s live answer link');

    const mailings = (await api('GET', `${base}/mailings`, ministry)).json() as { id: string }[];
    t.ok(mailings.length >= 1, 'the set-up sent mailings');
    const reads = [
      `${base}/mailings`,
      `${base}/mailings/${mailings[0]!.id}`,
      `${base}/mailings/${mailings[0]!.id}/messages`,
      `${base}/templates`,
      `${base}/templates/erstinformation`,
      `${base}/mail-details`,
    ];
    for (const [role, auth] of [['kaz', kaz], ['landesredaktion', redaktion]] as const) {
      for (const url of reads) {
        const response = await api('GET', url, auth);
        t.equal(response.statusCode, 200, `${role} reads ${url}`);
        t.notOk(response.body.includes('/antwort/'), `${role}: ${url} holds no answer link`);
        t.notOk(response.body.includes(liveLink!), `${role}: ${url} holds not the authority's link`);
      }
      const refused = await api('POST', `${base}/mailings/preview`, auth, { kind: 'erstinformation', ars: POTSDAM });
      t.equal(refused.statusCode, 403, `${role}: no preview with live links`);
      t.notOk(refused.body.includes('/antwort/'));
    }
  });
}
