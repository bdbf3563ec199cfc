import t from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';

/**
 * The roles beside admin and ministry (Kaz, Landesredaktion) and tokens managed by a
 * ministry for its own staff: issue, list and revoke within its ministry, recorded with
 * who did it.
 */

const TOKENS = '/api/v1/admin/tokens';

for (const kind of databaseKinds()) {
  t.test(`${kind}: Kaz and Landesredaktion read every solution and steer none`, async (t) => {
    const env = await buildTestApp(t, kind);
    const admin = bearer(env.adminToken);
    const issued = async (role: string) => {
      const response = await env.app.inject({ method: 'POST', url: TOKENS, headers: admin, payload: { role, label: `${role} Team` } });
      t.equal(response.statusCode, 201, response.body);
      t.match(response.json(), { role, ministry: null, token: /^efa_/ });
      return bearer(response.json().token);
    };
    const kaz = await issued('kaz');
    const redaktion = await issued('landesredaktion');
    const refused = await env.app.inject({ method: 'POST', url: TOKENS, headers: admin, payload: { role: 'kaz', ministry: 'MSGIV', label: 'x' } });
    t.equal(refused.statusCode, 422, 'a Kaz token belongs to no ministry');
    t.match(refused.json().errors, [{ field: '/body/ministry' }]);

    const created = await env.app.inject({
      method: 'POST',
      url: '/api/v1/solutions',
      headers: bearer(await env.ministryToken('MSGIV')),
      payload: { title: 'Elterngeld digital', ozgId: '10310', leikaKeys: ['99036005000000'], responsibility: { level: 'kreis' } },
    });
    const id = created.json().id;
    for (const [label, headers] of [['kaz', kaz], ['landesredaktion', redaktion]] as const) {
      const list = await env.app.inject({ url: '/api/v1/solutions', headers });
      t.equal(list.json().total, 1, `${label} sees the MSGIV solution`);
      t.equal((await env.app.inject({ url: `/api/v1/solutions/${id}/participants`, headers })).json().total, 18, `${label} reads its participants`);
      const event = await env.app.inject({ method: 'POST', url: `/api/v1/solutions/${id}/events`, headers, payload: { type: 'ERSTINFORMATION_STARTEN' } });
      t.equal(event.statusCode, 403, `${label} sends no solution event`);
      t.match(event.json().detail, new RegExp(`Rolle „${label}“`));
      t.equal((await env.app.inject({ url: TOKENS, headers })).statusCode, 403, `${label} manages no tokens`);
    }
    const history = (await env.app.inject({ url: `/api/v1/solutions/${id}/history`, headers: admin })).json();
    t.notOk(history.items.some((entry: { eventType: string }) => entry.eventType === 'ERSTINFORMATION_STARTEN'), 'refused events left no history');
    t.equal((await env.app.inject({ url: `/api/v1/solutions/${id}`, headers: admin })).json().stage, 'entwurf');
  });

  t.test(`${kind}: a ministry manages its own staff's tokens, and only those`, async (t) => {
    const env = await buildTestApp(t, kind);
    const admin = bearer(env.adminToken);
    const msgiv = bearer(await env.ministryToken('MSGIV'));
    const mik = bearer(await env.ministryToken('MIK'));

    const staff = await env.app.inject({ method: 'POST', url: TOKENS, headers: msgiv, payload: { role: 'ministry', label: 'Referat 32, Frau Beispiel' } });
    t.equal(staff.statusCode, 201, staff.body);
    t.match(staff.json(), { role: 'ministry', ministry: 'MSGIV', label: 'Referat 32, Frau Beispiel' }, 'the own ministry by default');
    t.equal((await env.app.inject({ url: '/api/v1/solutions', headers: bearer(staff.json().token) })).statusCode, 200, 'the new token works');

    for (const [payload, why] of [
      [{ role: 'admin', label: 'x' }, 'no admin tokens'],
      [{ role: 'kaz', label: 'x' }, 'no Kaz tokens'],
      [{ role: 'ministry', ministry: 'MIK', label: 'x' }, 'no tokens of another ministry'],
    ] as const) {
      const response = await env.app.inject({ method: 'POST', url: TOKENS, headers: msgiv, payload });
      t.equal(response.statusCode, 403, why);
      t.match(response.headers['content-type'], /application\/problem\+json/);
    }

    const mikStaff = await env.app.inject({ method: 'POST', url: TOKENS, headers: mik, payload: { role: 'ministry', label: 'Referat 13' } });
    const listed = (await env.app.inject({ url: TOKENS, headers: msgiv })).json() as { id: string; ministry: string; createdBy: string | null }[];
    t.ok(listed.length >= 2 && listed.every((token) => token.ministry === 'MSGIV'), 'a ministry lists only its own ministry’s tokens');
    t.match(listed.find((token) => token.id === staff.json().id), { createdBy: 'ministerium:MSGIV:test-MSGIV', revokedAt: null, revokedBy: null });
    t.equal((await env.app.inject({ url: TOKENS, headers: admin })).json().length, 5, 'an admin lists all (admin, two ministries, two staff)');

    const foreign = await env.app.inject({ method: 'DELETE', url: `${TOKENS}/${mikStaff.json().id}`, headers: msgiv });
    t.equal(foreign.statusCode, 404, 'another ministry’s token cannot be revoked (nor seen)');
    const revoked = await env.app.inject({ method: 'DELETE', url: `${TOKENS}/${staff.json().id}`, headers: msgiv });
    t.equal(revoked.statusCode, 204);
    t.equal((await env.app.inject({ url: '/api/v1/solutions', headers: bearer(staff.json().token) })).statusCode, 401, 'revoked: refused');
    const after = (await env.app.inject({ url: TOKENS, headers: admin })).json() as { id: string; revokedBy: string | null; revokedAt: string | null }[];
    t.match(after.find((token) => token.id === staff.json().id), { revokedAt: String, revokedBy: 'ministerium:MSGIV:test-MSGIV' }, 'who revoked it is recorded');
    t.match(after.find((token) => token.id === mikStaff.json().id), { revokedAt: null }, 'the MIK token is untouched');
  });
}
