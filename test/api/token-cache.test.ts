import t from 'tap';
import { databaseKinds } from '../helpers/databases.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { hashToken } from '../../src/auth/api-token.service.ts';
import { TOKEN_CACHE_TTL_MS } from '../../src/auth/principal.cache.ts';

/**
 * The API's token cache (src/auth/principal.cache.ts): a token revoked through this
 * instance is refused at once; one revoked elsewhere (another instance, the database) is
 * refused once TOKEN_CACHE_TTL_MS has passed – the limit README's security part names.
 */

for (const kind of databaseKinds()) {
  t.test(`${kind}: a revoked token is refused at once here and within the cache's TTL elsewhere`, async (t) => {
    const env = await buildTestApp(t, kind);
    const admin = bearer(env.adminToken);
    const issue = async (label: string) => {
      const response = await env.app.inject({ method: 'POST', url: '/api/v1/admin/tokens', headers: admin, payload: { role: 'kaz', label } });
      t.equal(response.statusCode, 201, response.body);
      return response.json() as { id: string; token: string };
    };
    const list = (token: string) => env.app.inject({ url: '/api/v1/solutions', headers: bearer(token) });

    const here = await issue('Revoked here');
    t.equal((await list(here.token)).statusCode, 200, 'accepted (and now cached)');
    t.equal((await env.app.inject({ method: 'DELETE', url: `/api/v1/admin/tokens/${here.id}`, headers: admin })).statusCode, 204);
    t.equal((await list(here.token)).statusCode, 401, 'revoked through this instance: refused at once');

    const elsewhere = await issue('Revoked elsewhere');
    t.equal((await list(elsewhere.token)).statusCode, 200, 'accepted (and now cached)');
    // as another instance (or an operator in the database) would revoke it: this process is not told
    await env.handle.db.updateTable('api_token').set({ revoked_at: new Date() }).where('token_hash', '=', hashToken(elsewhere.token)).execute();
    t.equal((await list(elsewhere.token)).statusCode, 200, 'within the TTL the cached principal is still used');
    env.clock.now = new Date(env.clock.now.getTime() + TOKEN_CACHE_TTL_MS + 1);
    const refused = await list(elsewhere.token);
    t.equal(refused.statusCode, 401, 'after the TTL: refused');
    t.match(refused.headers['content-type'], /application\/problem\+json/);

    const unknown = 'efa_' + 'x'.repeat(43);
    t.equal((await list(unknown)).statusCode, 401, 'an unknown token is refused');
    const late = await env.app.inject({ method: 'POST', url: '/api/v1/admin/tokens', headers: admin, payload: { role: 'kaz', label: 'Issued later' } });
    t.equal((await list(late.json().token)).statusCode, 200, 'a token issued a moment ago works at once (refusals are not cached)');
  });
}
