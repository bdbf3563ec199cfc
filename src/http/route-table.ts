import type { FastifyInstance } from 'fastify';
import type { Role } from '../auth/roles.ts';

/** One registered route: what the authorisation matrix test walks (and operators may list). */
export interface RouteEntry {
  method: string;
  url: string;
  /** Roles allowed by the route's config; undefined outside /api (answer pages, health, docs). */
  roles: readonly Role[] | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route of the app, in registration order (HEAD routes omitted). */
    routeTable: readonly RouteEntry[];
  }
}

/** Records every route as it is registered; call before any route is added. */
export function recordRoutes(app: FastifyInstance): void {
  const routes: RouteEntry[] = [];
  app.decorate('routeTable', routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routes.push({ method, url: route.url, roles: route.config?.roles });
    }
  });
}
