import swagger from '@fastify/swagger';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { problemResponses, ProblemSchema } from './response.schemas.ts';

/**
 * The OpenAPI document (/openapi.json, /docs). Routes describe their own inputs and
 * outputs; what every route of a kind answers alike – the 401/403 of the token check,
 * the 422 of validation, the 400/413/415 of body parsing, the 404 of unknown ids – is
 * added here once, so that no route can forget it and the document says what the API
 * really answers. Checked by the standard linter in test/api/openapi.test.ts.
 */

export const API_TAGS = [
  { name: 'EfA-Lösungen', description: 'Registrieren, Zuständigkeit, Ereignisse der Lösung und ihrer teilnehmenden Behörden, Verlauf' },
  { name: 'Pilotphase', description: 'Schritt 2: Pilotkandidaten, Checkliste je Pilot, Termine, Einbindung von ZIT-BB/DIKOM, Lessons learned' },
  { name: 'Wellen', description: 'Rollout-Wellen planen, starten und verfolgen (Schritt 3)' },
  { name: 'BUS-BB', description: 'Leistungsbeschreibungen im BUS-BB und Abgleich der Meldungen mit PVOG/BUS-BB-Exporten' },
  { name: 'Mailings', description: 'Mail-Vorlagen, Angaben für die Mails, Versand und Zustellstatus, lokaler Postausgang, Erneuerung der Antwort-Links' },
  { name: 'Kommunalverzeichnis', description: 'Behörden Brandenburgs und Import des Kommunalverzeichnisses' },
  { name: 'Verwaltung', description: 'API-Tokens und Hintergrundaufträge (nur Admins)' },
  { name: 'Abdeckung', description: 'Abdeckung einer Lösung nach Kreis: zuständig, live, flächendeckend, wer fehlt und warum' },
  { name: 'Exporte', description: 'Teilnehmende, Tickets und Wellen einer Lösung als CSV (für Tabellenkalkulationen) oder JSON' },
  { name: 'Lagebild', description: 'alle Rollouts auf einen Blick: Stadien, Behörden live, wo es stockt' },
  { name: 'Betrieb', description: 'Bereitschaft des Dienstes' },
  { name: 'Öffentlich', description: 'ohne Token: Kommunale Mitarbeit gesucht – EfA-Lösungen, die Pilotbehörden suchen' },
];

export interface OpenApiOptions {
  version: string;
  /** The service's public URL (PUBLIC_BASE_URL). */
  serverUrl: string;
  /** Whether the API answers 429 (a rate limit is configured). */
  rateLimited: boolean;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** `GET /api/v1/solutions/:id/history` → `getSolutionsByIdHistory`: unique and URL-safe for routes that name none. */
function derivedOperationId(method: string, url: string): string {
  const words = url
    .replace(/^\/api\/v1/, '')
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith(':') ? `By-${segment.slice(1)}` : segment))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1));
  return method.toLowerCase() + words.join('');
}

function completeRouteDocumentation(route: RouteOptions, options: OpenApiOptions): void {
  const schema = (route.schema ??= {}) as Record<string, unknown> & { hide?: boolean; response?: Record<string, unknown> };
  if (schema.hide) return;
  const method = (Array.isArray(route.method) ? route.method[0]! : route.method).toUpperCase();
  if (method === 'HEAD') return;
  schema.operationId ??= derivedOperationId(method, route.url);
  const isApi = route.url.startsWith('/api/');
  const hasInput = Boolean(schema.params || schema.querystring || schema.body || route.url.includes(':'));
  const takesBody = BODY_METHODS.has(method) && Boolean(schema.body);
  const defaults: Record<number, string> = {};
  if (takesBody) {
    defaults[400] = 'Inhalt ist kein gültiges JSON';
    defaults[413] = 'Inhalt zu groß für diese Funktion';
    defaults[415] = 'Content-Type nicht unterstützt';
  }
  // An API operation that declares `security: []` takes no token (the public list).
  const isPublic = Array.isArray(schema.security) && (schema.security as unknown[]).length === 0;
  if (isApi && !isPublic) {
    defaults[401] = 'ohne gültiges API-Token';
    defaults[403] = 'die Rolle des Tokens darf diese Funktion nicht nutzen';
  }
  if (route.url.includes(':')) defaults[404] = 'nicht gefunden (oder für dieses Ministerium nicht sichtbar)';
  if (hasInput) defaults[422] = 'ungültige Angaben; errors[].field nennt sie (NUL-Zeichen, ungültiges Unicode, Länge, Bereich, Format …)';
  if (isApi && options.rateLimited) defaults[429] = 'zu viele Anfragen; Retry-After nennt die Wartezeit';
  const response = (schema.response ??= {});
  // A route that describes no success answer would lose the generator's default one.
  if (!Object.keys(response).some((status) => status.startsWith('2'))) response[200] = { description: 'Erfolg (Inhalt nicht beschrieben)' };
  for (const [status, entry] of Object.entries(problemResponses(defaults))) response[status] ??= entry;
}

export async function registerOpenApi(app: FastifyInstance, options: OpenApiOptions): Promise<void> {
  app.addSchema(ProblemSchema);
  app.addHook('onRoute', (route) => completeRouteDocumentation(route, options));
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'efa-rollout',
        version: options.version,
        description:
          'Steuerung der Nachnutzung von EfA-Onlinediensten in Brandenburg: Erstinformation, Pilotbehörden, flächendeckender Rollout bis zur Verknüpfung im BUS-BB. ' +
          'Fehler sind application/problem+json; Namen in camelCase; Listen mit limit/offset (beide optional).',
        // package.json: "UNLICENSED" – not released for reuse; SPDX's form for a licence of one's own.
        license: { name: 'Nicht zur Nachnutzung freigegeben (UNLICENSED)', identifier: 'LicenseRef-UNLICENSED' },
      },
      servers: [{ url: options.serverUrl, description: 'dieser Dienst (PUBLIC_BASE_URL)' }],
      tags: API_TAGS,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API-Token: Authorization: Bearer efa_…' } } },
      security: [{ bearer: [] }],
    },
    // Shared schemas (Problem) appear under their own name in components.schemas.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => (typeof json.$id === 'string' ? json.$id : `def-${index}`) },
  });
}
