import t from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { BARNIM, COTTBUS, POTSDAM, statewideSetUp } from '../helpers/statewide.ts';

const NO_GRUENDE = { 'fachverfahren-anbindung': 0, transport: 0, epayment: 0, bundid: 0, personal: 0, avv: 0, sonstiges: 0 };

for (const kind of databaseKinds()) {
  t.test(`${kind}: GET /api/v1/overview counts the rollout's events, scoped by ministry, ticket titles only for ticket roles`, async (t) => {
    const env = await buildTestApp(t, kind);
    const { token, id, otherId, mik, ticket, participantEvent } = await statewideSetUp(env);
    const overview = async (auth: string) => {
      const response = await env.app.inject({ method: 'GET', url: '/api/v1/overview', headers: bearer(auth) });
      t.equal(response.statusCode, 200, response.body);
      return response.json();
    };

    const own = await overview(token);
    t.same(own.scope, { ministry: 'MSGIV' });
    t.same(own.solutions.map((s: { id: string }) => s.id), [id], 'MSGIV sees its own solution only');
    t.same(
      own.stages.filter((s: { solutions: number }) => s.solutions > 0),
      [{ stage: 'rollout', solutions: 1 }],
    );
    t.match(own.solutions[0], {
      title: 'Meldebescheinigung online',
      leadMinistry: 'MSGIV',
      stage: 'rollout',
      participants: 18,
      responsible: 18,
      live: 1,
      pilotLive: 0,
      livePercent: 5, // 1 of 18 is 5.6 %, rounded down as the coverage rounds (never 100 % before all are live)
      overdue: 1,
      slaBreached: 1,
      blockingTickets: 1,
      blockedAuthorities: 1,
    });
    t.same(own.solutions[0].nichtBereitGruende, { ...NO_GRUENDE, personal: 1, sonstiges: 1 });
    t.ok(own.solutions[0].kreise >= 1 && own.solutions[0].kreiseFlaechendeckend === 1, `Potsdam's Kreis is flächendeckend: ${own.solutions[0].kreiseFlaechendeckend} of ${own.solutions[0].kreise}`);
    t.same(own.stuck, { overdue: 1, slaBreached: 1, blockingTickets: 1, blockedAuthorities: 1, nichtBereitGruende: { ...NO_GRUENDE, personal: 1, sonstiges: 1 } });
    t.same(own.authorities.byLiveCount, [
      { live: 0, authorities: 17 },
      { live: 1, authorities: 1 },
    ]);
    t.equal(own.authorities.responsible, 18);
    t.same(own.authorities.top.map((a: { ars: string; live: number }) => [a.ars, a.live]), [[POTSDAM, 1]]);
    const pairs = own.kreise.reduce((sum: { responsible: number; live: number }, k: { responsible: number; live: number }) => ({ responsible: sum.responsible + k.responsible, live: sum.live + k.live }), { responsible: 0, live: 0 });
    t.same(pairs, { responsible: 18, live: 1 }, 'the pairs per Kreis add up to the solution');
    t.same(own.blockingTicketList.map((b: { number: number; title: string; ars: string }) => [b.number, b.title, b.ars]), [[ticket.number, ticket.title, BARNIM]]);

    // The Betrieb and the Kaz see both ministries' solutions; the other ministry's draft counts its own participants only.
    for (const role of ['admin', 'kaz'] as const) {
      const all = await overview(role === 'admin' ? env.adminToken : await env.roleToken('kaz'));
      t.same(all.scope, { ministry: null });
      t.same(new Set(all.solutions.map((s: { id: string }) => s.id)), new Set([id, otherId]), `${role}: all solutions`);
      t.same(all.stages.filter((s: { solutions: number }) => s.solutions > 0), [{ stage: 'entwurf', solutions: 1 }, { stage: 'rollout', solutions: 1 }]);
      t.equal(all.stuck.overdue, 1);
      t.equal(all.blockingTicketList.length, 1, `${role}: the blocking ticket named`);
      const draft = all.solutions.find((s: { id: string }) => s.id === otherId);
      t.match(draft, { stage: 'entwurf', live: 0, overdue: 0, slaBreached: 0, blockingTickets: 0 });
      t.ok(all.authorities.responsible > 18, `${role}: the other ministry's authorities count too (${all.authorities.responsible})`);
    }
    const other = await overview(mik);
    t.same(other.solutions.map((s: { id: string }) => s.id), [otherId], 'MIK sees its own draft only');
    t.same(other.stuck, { overdue: 0, slaBreached: 0, blockingTickets: 0, blockedAuthorities: 0, nichtBereitGruende: NO_GRUENDE });
    t.same(other.blockingTicketList, [], 'no ticket of another ministry');

    // The Landesredaktion: the numbers, no ticket's number or title.
    const lr = await env.app.inject({ method: 'GET', url: '/api/v1/overview', headers: bearer(await env.roleToken('landesredaktion')) });
    t.equal(lr.statusCode, 200);
    t.equal(lr.json().stuck.blockingTickets, 1);
    t.notOk('blockingTicketList' in lr.json(), 'no ticket list');
    t.notMatch(lr.body, ticket.title, 'the title appears nowhere');

    // An event moves the numbers at once: Cottbus answers, it is overdue no more; it is ready and goes to onboarding.
    const answered = await participantEvent(COTTBUS, { type: 'BEREITSCHAFT_MELDEN', status: 'bereit' });
    t.equal(answered.statusCode, 200, answered.body);
    const after = await overview(token);
    t.equal(after.solutions[0].overdue, 0, 'no overdue answer after the answer');
    t.equal(after.stuck.overdue, 0);

    t.equal((await env.app.inject({ method: 'GET', url: '/api/v1/overview' })).statusCode, 401, 'no token, no overview');
    const openapi = (await env.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    t.ok(openapi.paths['/api/v1/overview']?.get?.responses?.['200'], 'documented in the OpenAPI document');
  });
}
