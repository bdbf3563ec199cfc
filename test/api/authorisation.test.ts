import t from 'tap';
import { randomUUID } from 'node:crypto';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp, type TestApp } from '../helpers/app.ts';
import { ROLES, type Role } from '../../src/auth/roles.ts';
import { MATRIX, PUBLIC_ROUTES, STAFF_SESSION_ROUTES, type Access } from './authorisation.matrix.ts';

/**
 * The authorisation matrix (authorisation.matrix.ts) against the app: every route ×
 * every role, on the own ministry's solution and on another ministry's. Only who gets
 * through is checked here – with empty or minimal input, so an allowed call may well be
 * refused afterwards for its input (422) or find nothing (404 of a sub-resource); it must
 * never be refused for its token (401/403), and a ministry must never reach another
 * ministry's solution (404 before any input is read).
 */

const OWN_MINISTRY = 'MSGIV';
const FOREIGN_MINISTRY = 'MIK';

async function createSolution(env: TestApp, leadMinistry: string): Promise<string> {
  const response = await env.app.inject({
    method: 'POST',
    url: '/api/v1/solutions',
    headers: bearer(env.adminToken),
    payload: { title: `Lösung ${leadMinistry}`, ozgId: '10310', leikaKeys: ['99036005000000'], leadMinistry, responsibility: { level: 'kreis' } },
  });
  if (response.statusCode !== 201) throw new Error(`solution: ${response.statusCode} ${response.body}`);
  return response.json().id;
}

/** A concrete URL for a route pattern, on the given solution. */
function urlFor(pattern: string, solutionId: string): string {
  return pattern
    .replace(':id', pattern.startsWith('/api/v1/solutions/') ? solutionId : pattern.includes('/imports/') ? '1' : randomUUID())
    .replace(':ars', '120600000000')
    .replace(':kind', 'erstinformation')
    .replace(':mailingId', randomUUID())
    .replace(':waveId', randomUUID())
    .replace(':ticketId', randomUUID())
    .replace(':reconciliationId', randomUUID())
    .replace(':quarter', '2026-Q3')
    .replace(':file', 'unbekannt.eml')
    .replace(':token', 'A'.repeat(43))
    .replace('*', 'index.css');
}

async function call(env: TestApp, route: string, solutionId: string, token: string | null) {
  const [method, pattern] = route.split(' ') as [string, string];
  const url = urlFor(pattern, solutionId);
  const csv = url.endsWith('/directory/imports') && method === 'POST';
  const response = await env.app.inject({
    method: method as 'GET',
    url,
    headers: { ...(token ? bearer(token) : {}), ...(csv ? { 'content-type': 'text/csv' } : {}) },
    ...(['POST', 'PUT', 'PATCH'].includes(method) && !url.startsWith('/antwort/') ? { payload: csv ? '' : {} } : {}),
  });
  return response.statusCode;
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: every route × every role × own and foreign solution`, async (t) => {
    const env = await buildTestApp(t, kind);
    const ownSolution = await createSolution(env, OWN_MINISTRY);
    const foreignSolution = await createSolution(env, FOREIGN_MINISTRY);
    const tokens: Record<Role, string> = {
      admin: env.adminToken,
      ministry: await env.ministryToken(OWN_MINISTRY),
      kaz: await env.roleToken('kaz'),
      landesredaktion: await env.roleToken('landesredaktion'),
    };

    const registered = env.app.routeTable.map((route) => `${route.method} ${route.url}`);
    const known = new Set([...Object.keys(MATRIX), ...PUBLIC_ROUTES, ...STAFF_SESSION_ROUTES]);
    t.same(registered.filter((route) => !known.has(route)), [], 'every route has an entry in the matrix');
    t.same([...known].filter((route) => !registered.includes(route)), [], 'no entry for a route that does not exist');

    for (const route of env.app.routeTable) {
      const key = `${route.method} ${route.url}`;
      const access = MATRIX[key];
      if (!access) continue;
      t.same([...(route.roles ?? [])].sort(), ROLES.filter((role) => access[role] !== 'no').sort(), `${key}: the route's roles are the matrix's`);
    }

    const findings: string[] = [];
    const expect = (label: string, status: number, ok: boolean, wanted: string) => {
      if (!ok) findings.push(`${label}: ${status}, expected ${wanted}`);
    };
    let requests = 0;
    for (const [route, access] of Object.entries(MATRIX)) {
      const perSolution = route.includes('/solutions/:id');
      const anonymous = await call(env, route, ownSolution, null);
      requests++;
      expect(`${route} without token`, anonymous, anonymous === 401, '401');
      for (const role of ROLES) {
        const rule: Access = access[role];
        const own = await call(env, route, ownSolution, tokens[role]);
        requests++;
        if (rule === 'no') expect(`${route} as ${role}`, own, own === 403, '403');
        else expect(`${route} as ${role}`, own, own !== 401 && own !== 403, 'not 401/403');
        if (!perSolution) continue;
        const foreign = await call(env, route, foreignSolution, tokens[role]);
        requests++;
        if (rule === 'no') expect(`${route} as ${role} on another ministry's solution`, foreign, foreign === 403, '403');
        else if (rule === 'own') expect(`${route} as ${role} on another ministry's solution`, foreign, foreign === 404, '404');
        else expect(`${route} as ${role} on another ministry's solution`, foreign, foreign !== 401 && foreign !== 403, 'not 401/403');
      }
    }
    for (const route of PUBLIC_ROUTES) {
      const status = await call(env, route, ownSolution, null);
      requests++;
      expect(`${route} without token`, status, status !== 401 && status !== 403 && status < 500, 'public');
    }
    t.comment(`${requests} requests`);
    t.same(findings, [], 'every answer as the matrix says');
  });
}
