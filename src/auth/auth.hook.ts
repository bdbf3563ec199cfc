import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../errors/domain.errors.ts';
import type { Principal, Role } from './api-token.service.ts';
import type { PrincipalCache } from './principal.cache.ts';
import { routeForbidden } from './roles.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles that may call the route. Every /api route must name them: no roles, no access. */
    roles?: Role[];
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/**
 * Authorises every request under /api: a bearer token of a role the route allows.
 * Fails closed: an /api route that declares no roles is refused to everyone. The token is
 * looked up through the process's short-lived cache (principal.cache.ts).
 */
export function createAuthHook(principals: PrincipalCache) {
  return async function authorise(request: FastifyRequest, _reply: FastifyReply) {
    if (!request.url.startsWith('/api/')) return;
    if (request.is404) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) {
      throw new UnauthenticatedError('Bitte mit einem API-Token anmelden: Authorization: Bearer <token>');
    }
    const principal = await principals.principalOf(match[1]!);
    if (!principal) throw new UnauthenticatedError('Das API-Token ist unbekannt oder widerrufen');
    const roles = request.routeOptions.config.roles ?? [];
    if (!roles.includes(principal.role)) {
      throw new ForbiddenError(routeForbidden(principal.role));
    }
    request.principal = principal;
  };
}

export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthenticatedError('Nicht angemeldet');
  return request.principal;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Scopes every route under /solutions/:id in one place, before any input is read: a
 * ministry only reaches its own ministry's solutions, and a foreign or unknown one is a
 * 404 (a ministry does not learn which other solutions exist). The services check the
 * same again (assertMayAccess). Ids that are no UUID are left to validation (422).
 */
export function createSolutionScopeHook(db: Kysely<Database>) {
  return async function scopeToSolution(request: FastifyRequest, _reply: FastifyReply) {
    const principal = request.principal;
    if (!principal || principal.role !== 'ministry') return;
    if (!request.routeOptions.url?.includes('/solutions/:id')) return;
    const id = (request.params as { id?: unknown }).id;
    if (typeof id !== 'string' || !UUID_PATTERN.test(id)) return;
    const solution = await db.selectFrom('solution').select('lead_ministry').where('id', '=', id).executeTakeFirst();
    if (!solution || solution.lead_ministry !== principal.ministry) throw new NotFoundError(`EfA-Lösung ${id} gibt es nicht`);
  };
}
