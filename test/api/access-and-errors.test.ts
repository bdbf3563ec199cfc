import t from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';

const POTSDAM = '120540000000';
const COTTBUS = '120520000000';
const BARNIM = '120600000000';

const draft = {
  title: 'Führerschein online',
  ozgId: '10345',
  leikaKeys: ['99086001000000'],
  responsibility: { level: 'kreis' },
};

for (const kind of databaseKinds()) {
  t.test(`${kind}: authorisation`, async (t) => {
    const env = await buildTestApp(t, kind, {
      extraRoutes: (api) => {
        api.get('/boom', { config: { roles: ['admin'] } }, async () => {
          throw new Error('secret internal detail: password=hunter2');
        });
        api.get('/no-roles', async () => ({ leaked: true }));
      },
    });
    const msgiv = await env.ministryToken('MSGIV');
    const mik = await env.ministryToken('MIK');

    const anonymous = await env.app.inject({ url: '/api/v1/solutions' });
    t.equal(anonymous.statusCode, 401);
    t.match(anonymous.headers['content-type'], /application\/problem\+json/);
    t.equal(anonymous.headers['www-authenticate'], 'Bearer realm="efa-rollout"');
    t.equal((await env.app.inject({ url: '/api/v1/solutions', headers: bearer('efa_wrong') })).statusCode, 401);
    t.equal((await env.app.inject({ url: '/api/v1/admin/jobs', headers: bearer(msgiv) })).statusCode, 403, 'ministries are no admins');
    t.equal((await env.app.inject({ url: '/api/v1/no-roles', headers: bearer(env.adminToken) })).statusCode, 403, 'a route without roles is closed');

    const created = await env.app.inject({ method: 'POST', url: '/api/v1/solutions', headers: bearer(msgiv), payload: draft });
    t.equal(created.statusCode, 201);
    const id = created.json().id;
    t.equal((await env.app.inject({ url: `/api/v1/solutions/${id}`, headers: bearer(mik) })).statusCode, 404, 'other ministries do not see it');
    const foreignEvent = await env.app.inject({
      method: 'POST',
      url: `/api/v1/solutions/${id}/events`,
      headers: bearer(mik),
      payload: { type: 'ERSTINFORMATION_STARTEN' },
    });
    t.equal(foreignEvent.statusCode, 404, 'nor change it');
    t.equal((await env.app.inject({ url: '/api/v1/solutions', headers: bearer(mik) })).json().total, 0);
    t.equal((await env.app.inject({ url: '/api/v1/solutions', headers: bearer(env.adminToken) })).json().total, 1, 'admins see all');
    const forOthers = await env.app.inject({
      method: 'POST',
      url: '/api/v1/solutions',
      headers: bearer(mik),
      payload: { ...draft, leadMinistry: 'MSGIV' },
    });
    t.equal(forOthers.statusCode, 403);

    const boom = await env.app.inject({ url: '/api/v1/boom', headers: bearer(env.adminToken) });
    t.equal(boom.statusCode, 500);
    t.notMatch(boom.body, /hunter2|secret/, '5xx bodies reveal nothing internal');
    t.ok(boom.json().requestId);

    const missing = await env.app.inject({ url: '/nowhere' });
    t.equal(missing.statusCode, 404);
    t.match(missing.headers['content-type'], /application\/problem\+json/);

    const issued = await env.app.inject({
      method: 'POST',
      url: '/api/v1/admin/tokens',
      headers: bearer(env.adminToken),
      payload: { role: 'ministry', ministry: 'MLUK', label: 'Referat 23' },
    });
    t.equal(issued.statusCode, 201);
    const newToken = issued.json().token;
    t.equal((await env.app.inject({ url: '/api/v1/solutions', headers: bearer(newToken) })).statusCode, 200);
    const stored = await env.handle.db.selectFrom('api_token').select('token_hash').execute();
    t.notOk(stored.some((row) => row.token_hash === newToken), 'only hashes are stored');
    await env.app.inject({ method: 'DELETE', url: `/api/v1/admin/tokens/${issued.json().id}`, headers: bearer(env.adminToken) });
    t.equal((await env.app.inject({ url: '/api/v1/solutions', headers: bearer(newToken) })).statusCode, 401, 'revoked');
  });

  t.test(`${kind}: validation names the field and writes nothing`, async (t) => {
    const env = await buildTestApp(t, kind);
    const admin = bearer(env.adminToken);
    const post = (payload: unknown) => env.app.inject({ method: 'POST', url: '/api/v1/solutions', headers: admin, payload: payload as object });

    const noTitle = await post({ ...draft, leadMinistry: 'MIK', title: undefined });
    t.equal(noTitle.statusCode, 422);
    t.ok(noTitle.json().errors.some((e: { field: string }) => e.field === '/body/title'), noTitle.body);
    const noMinistry = await post(draft);
    t.equal(noMinistry.statusCode, 422);
    t.equal(noMinistry.json().errors[0].field, '/body/leadMinistry');
    const badLeika = await post({ ...draft, leadMinistry: 'MIK', leikaKeys: ['123'] });
    t.equal(badLeika.statusCode, 422);
    t.ok(badLeika.json().errors.some((e: { field: string }) => e.field === '/body/leikaKeys/0'));
    const unknownAuthority = await post({
      ...draft,
      leadMinistry: 'MIK',
      overrides: [{ ars: '129999999999', action: 'add', reason: 'Test' }],
    });
    t.equal(unknownAuthority.statusCode, 422);
    t.equal(unknownAuthority.json().errors[0].field, '/body/overrides/0/ars');
    const duplicate = await post({
      ...draft,
      leadMinistry: 'MIK',
      overrides: [
        { ars: POTSDAM, action: 'exclude', reason: 'a' },
        { ars: POTSDAM, action: 'add', reason: 'b' },
      ],
    });
    t.equal(duplicate.statusCode, 422);
    const notJson = await env.app.inject({
      method: 'POST',
      url: '/api/v1/solutions',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: '{"title":',
    });
    t.equal(notJson.statusCode, 400);
    t.equal((await env.app.inject({ url: '/api/v1/solutions/not-a-uuid', headers: admin })).statusCode, 422);
    const count = await env.handle.db.selectFrom('solution').select(env.handle.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    t.equal(Number(count.n), 0, 'no half-written solutions');
  });

  t.test(`${kind}: Zuständigkeit, overrides and draft updates`, async (t) => {
    const env = await buildTestApp(t, kind);
    const admin = bearer(env.adminToken);
    const created = await env.app.inject({
      method: 'POST',
      url: '/api/v1/solutions',
      headers: admin,
      payload: {
        ...draft,
        leadMinistry: 'MIL',
        overrides: [{ ars: COTTBUS, action: 'exclude', reason: 'eigene Lösung im Einsatz' }],
      },
    });
    t.equal(created.statusCode, 201, created.body);
    t.same(created.json().participantsByStage, { vorgemerkt: 17 });
    const id = created.json().id;

    const list = await env.app.inject({
      method: 'PATCH',
      url: `/api/v1/solutions/${id}`,
      headers: admin,
      payload: { responsibility: { level: 'liste', authorities: [POTSDAM, BARNIM] }, overrides: [] },
    });
    t.equal(list.statusCode, 200, list.body);
    t.same(list.json().participantsByStage, { vorgemerkt: 2 });
    const byKreis = await env.app.inject({ url: `/api/v1/solutions/${id}/participants?kind=landkreis`, headers: admin });
    t.same(byKreis.json().items.map((p: { ars: string }) => p.ars), [BARNIM]);

    await env.app.inject({ method: 'POST', url: `/api/v1/solutions/${id}/events`, headers: admin, payload: { type: 'ERSTINFORMATION_STARTEN' } });
    const late = await env.app.inject({ method: 'PATCH', url: `/api/v1/solutions/${id}`, headers: admin, payload: { title: 'Neu' } });
    t.equal(late.statusCode, 409, 'only drafts can be edited');
  });

  t.test(`${kind}: authority search`, async (t) => {
    const env = await buildTestApp(t, kind);
    const admin = bearer(env.adminToken);
    const amter = await env.app.inject({ url: '/api/v1/authorities?kind=amt&limit=1', headers: admin });
    t.equal(amter.json().total, 52);
    const barnim = await env.app.inject({ url: `/api/v1/authorities/${BARNIM}`, headers: admin });
    t.equal(barnim.statusCode, 200);
    t.equal(barnim.json().kind, 'landkreis');
    t.ok(barnim.json().children.length > 0);
    const byName = await env.app.inject({ url: '/api/v1/authorities?q=potsdam', headers: admin });
    t.ok(byName.json().items.some((a: { ars: string }) => a.ars === POTSDAM));
    const byKey = await env.app.inject({ url: '/api/v1/authorities?q=1206', headers: admin });
    t.ok(byKey.json().total > 20);
  });
}
