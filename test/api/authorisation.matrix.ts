/**
 * Who may call which route: every route of the app × every role, and for routes of one
 * solution whether a ministry reaches only its own ministry's solutions. The test
 * (authorisation.test.ts) fails for a route missing here, so a new route cannot be
 * added without deciding who may call it. The README's role table is this matrix
 * (roleTableMarkdown; role-table.test.ts fails when they differ – print it with
 * `npx node test/api/authorisation.matrix.ts`).
 *
 * yes: allowed (for every solution) · own: only the own ministry's solutions, another
 * ministry's is a 404 · no: 403 · public: no token needed (answer pages, health, docs).
 */
export type Access = 'yes' | 'own' | 'no';
export interface RouteAccess {
  admin: Access;
  ministry: Access;
  kaz: Access;
  landesredaktion: Access;
}

const READ: RouteAccess = { admin: 'yes', ministry: 'own', kaz: 'yes', landesredaktion: 'yes' };
const STEER: RouteAccess = { admin: 'yes', ministry: 'own', kaz: 'no', landesredaktion: 'no' };
const ADMIN: RouteAccess = { admin: 'yes', ministry: 'no', kaz: 'no', landesredaktion: 'no' };
/** Landesredaktion confirms and reconciles BUS-BB; the Kaz only reads. */
const BUS_BB: RouteAccess = { admin: 'yes', ministry: 'own', kaz: 'no', landesredaktion: 'yes' };
const DIRECTORY: RouteAccess = { admin: 'yes', ministry: 'yes', kaz: 'yes', landesredaktion: 'yes' };
/** Pilot work: ministries (their own solutions) and the Kaz. */
const PILOTS: RouteAccess = { admin: 'yes', ministry: 'own', kaz: 'yes', landesredaktion: 'no' };
/** A ministry manages its own staff's tokens (scope checked in the handler; test/api/roles-and-tokens.test.ts). */
const TOKENS: RouteAccess = { admin: 'yes', ministry: 'yes', kaz: 'no', landesredaktion: 'no' };

/** Tickets: the Kaz all, a ministry those of its own solutions (404 for others, checked in tickets.test.ts); not the Landesredaktion. */
const TICKETS: RouteAccess = { admin: 'yes', ministry: 'yes', kaz: 'yes', landesredaktion: 'no' };

export const PUBLIC_ROUTES: readonly string[] = [
  'GET /',
  'GET /docs',
  'GET /docs/static/index.html',
  'GET /docs/static/swagger-initializer.js',
  'GET /docs/json',
  'GET /docs/yaml',
  'GET /docs/static/*',
  'GET /docs/static/theme/efa-rollout.css',
  'GET /openapi.json',
  'GET /health',
  // Kommunale Mitarbeit gesucht (test/api/mitarbeit-gesucht.test.ts)
  'GET /mitarbeit-gesucht',
  'GET /mitarbeit-gesucht/einbetten',
  'GET /api/v1/public/mitarbeit-gesucht',
  'GET /antwort/:token',
  'POST /antwort/:token',
  'GET /antwort/:token/problem',
  'POST /antwort/:token/problem',
  'GET /antwort/:token/tickets/:number',
  'POST /antwort/:token/tickets/:number',
];

/**
 * The staff's web interface: signed in by session cookie, not by bearer token; its
 * sign-in, roles, CSRF and sign-out are held by test/web/staff-session.test.ts.
 */
export const STAFF_SESSION_ROUTES: readonly string[] = [
  'GET /anmelden',
  'POST /anmelden',
  'POST /abmelden',
  'GET /verwaltung',
  'GET /barrierefreiheit',
  // the solution's page: test/web/solution-page.test.ts
  'GET /verwaltung/loesungen/:id',
  'POST /verwaltung/loesungen/:id/ereignis',
  // the Kaz's ticket pages (test/web/ticket-board.test.ts)
  'GET /verwaltung/tickets',
  'GET /verwaltung/tickets/:id',
  'POST /verwaltung/tickets/:id/ereignis',
  'POST /verwaltung/tickets/:id/kommentar',
  'POST /verwaltung/tickets/:id/zuweisung',
  // the administration pages (test/web/admin-pages.test.ts)
  'GET /verwaltung/tokens',
  'POST /verwaltung/tokens',
  'GET /verwaltung/tokens/:id/widerrufen',
  'POST /verwaltung/tokens/:id/widerrufen',
  'GET /verwaltung/jobs',
  // the process diagrams (test/web/diagram-pages.test.ts)
  'GET /verwaltung/ablauf',
  // a solution's downloads (test/api/exports.test.ts)
  'GET /verwaltung/loesungen/:id/export/teilnehmende.csv',
  'GET /verwaltung/loesungen/:id/export/teilnehmende.json',
  'GET /verwaltung/loesungen/:id/export/tickets.csv',
  'GET /verwaltung/loesungen/:id/export/tickets.json',
  'GET /verwaltung/loesungen/:id/export/wellen.csv',
  'GET /verwaltung/loesungen/:id/export/wellen.json',
  // a solution's quarterly snapshots and their downloads (test/web/snapshot-page.test.ts)
  'GET /verwaltung/loesungen/:id/quartale',
  'GET /verwaltung/loesungen/:id/export/quartal-:quarter.csv',
  'GET /verwaltung/loesungen/:id/export/quartal-:quarter.json',
  // coverage per Kreis (test/web/coverage-pages.test.ts, test/api/coverage.test.ts)
  'GET /verwaltung/loesungen/:id/abdeckung',
  'GET /verwaltung/loesungen/:id/export/abdeckung.csv',
  'GET /verwaltung/loesungen/:id/export/abdeckung.json',
  // one solution's tickets (test/web/solution-tickets.test.ts)
  'GET /verwaltung/loesungen/:id/tickets',
  // BUS-BB and reconciliations (test/web/busbb-pages.test.ts)
  'GET /verwaltung/loesungen/:id/bus-bb',
  'POST /verwaltung/loesungen/:id/bus-bb/leistungsbeschreibungen',
  'POST /verwaltung/loesungen/:id/bus-bb/teilnehmende/:ars/ereignis',
  'POST /verwaltung/loesungen/:id/bus-bb/abgleiche',
  'GET /verwaltung/loesungen/:id/bus-bb/abgleiche/:reconciliationId',
  'POST /verwaltung/loesungen/:id/bus-bb/abgleiche/:reconciliationId/anwenden',
  // the Kommunalverzeichnis upload (test/web/directory-upload.test.ts)
  'GET /verwaltung/verzeichnis',
  'POST /verwaltung/verzeichnis/probelauf',
  'POST /verwaltung/verzeichnis/uebernehmen',
  // the pilot pages of a solution (test/web/pilot-pages.test.ts)
  'GET /verwaltung/loesungen/:id/piloten',
  'POST /verwaltung/loesungen/:id/piloten/checkliste',
  'GET /verwaltung/loesungen/:id/piloten/:ars',
  'POST /verwaltung/loesungen/:id/piloten/:ars/ereignis',
  'POST /verwaltung/loesungen/:id/piloten/:ars/checkliste/:key',
  'POST /verwaltung/loesungen/:id/piloten/:ars/termine',
  'POST /verwaltung/loesungen/:id/piloten/:ars/it-unterstuetzung',
  // the wave pages of a solution (test/web/wave-pages.test.ts)
  'GET /verwaltung/loesungen/:id/wellen',
  'POST /verwaltung/loesungen/:id/wellen',
  'GET /verwaltung/loesungen/:id/wellen/:waveId',
  'POST /verwaltung/loesungen/:id/wellen/:waveId/mitglieder',
  'POST /verwaltung/loesungen/:id/wellen/:waveId/mitglieder/:ars/entfernen',
  'POST /verwaltung/loesungen/:id/wellen/:waveId/starten',
  // a solution's participant pages (test/web/participant-pages.test.ts)
  'GET /verwaltung/loesungen/:id/teilnehmende',
  'POST /verwaltung/loesungen/:id/teilnehmende/sammelaktion',
  'GET /verwaltung/loesungen/:id/teilnehmende/:ars',
  'POST /verwaltung/loesungen/:id/teilnehmende/:ars/ereignis',
  'POST /verwaltung/loesungen/:id/teilnehmende/:ars/links-erneuern',
  // creating and editing a solution, its mail texts (test/web/solution-forms.test.ts)
  'GET /verwaltung/loesungen/neu',
  'POST /verwaltung/loesungen/neu',
  'GET /verwaltung/loesungen/:id/bearbeiten',
  'POST /verwaltung/loesungen/:id/bearbeiten/entwurf',
  'POST /verwaltung/loesungen/:id/bearbeiten/mail-angaben',
  'GET /verwaltung/loesungen/:id/bearbeiten/vorlagen/:kind',
  'POST /verwaltung/loesungen/:id/bearbeiten/vorlagen/:kind',
  'POST /verwaltung/loesungen/:id/bearbeiten/vorlagen/:kind/zuruecksetzen',
  // the mailing pages (test/web/mailing-pages.test.ts)
  'GET /verwaltung/loesungen/:id/mailings',
  'POST /verwaltung/loesungen/:id/mailings',
  'GET /verwaltung/loesungen/:id/mailings/:mailingId',
  'GET /verwaltung/assets/mailing-progress.js',
  // the maps (test/web/map-pages.test.ts)
  'GET /verwaltung/loesungen/:id/karte',
  'GET /verwaltung/karte',
  // the statewide Lagebild (test/web/statewide-page.test.ts)
  'GET /verwaltung/lagebild',
];

/**
 * The sign-in through the Land's identity provider: registered only with OIDC_ISSUER, so
 * the app of the authorisation test (without it) has none of them; the staff's session
 * routes otherwise. test/auth/oidc-sign-in.test.ts holds an app with OIDC to exactly the
 * routes above plus these.
 */
export const OIDC_SIGN_IN_ROUTES: readonly string[] = ['GET /anmelden/landeskonto', 'GET /anmelden/landeskonto/rueckkehr'];

export const MATRIX: Readonly<Record<string, RouteAccess>> = {
  'POST /api/v1/solutions': { ...STEER, ministry: 'yes' },
  'GET /api/v1/solutions': { ...READ, ministry: 'yes' },
  'GET /api/v1/solutions/:id': READ,
  'PATCH /api/v1/solutions/:id': STEER,
  'GET /api/v1/solutions/:id/allowed-events': READ,
  'POST /api/v1/solutions/:id/events': STEER,
  'GET /api/v1/solutions/:id/participants': READ,
  'GET /api/v1/solutions/:id/participants/:ars': READ,
  'POST /api/v1/solutions/:id/participants/:ars/events': BUS_BB,
  'POST /api/v1/solutions/:id/participants/events': STEER,
  'POST /api/v1/solutions/:id/participants/:ars/link-renewals': STEER,
  'GET /api/v1/solutions/:id/history': READ,

  'GET /api/v1/solutions/:id/pilot-candidates': READ,
  'GET /api/v1/solutions/:id/pilot-checklist-items': PILOTS,
  'POST /api/v1/solutions/:id/pilot-checklist-items': STEER,
  'GET /api/v1/solutions/:id/pilots/:ars/checklist': PILOTS,
  'PUT /api/v1/solutions/:id/pilots/:ars/checklist/:key': PILOTS,
  'GET /api/v1/solutions/:id/pilots/:ars/meetings': PILOTS,
  'POST /api/v1/solutions/:id/pilots/:ars/meetings': PILOTS,
  'GET /api/v1/solutions/:id/pilots/:ars/it-support': PILOTS,
  'PUT /api/v1/solutions/:id/pilots/:ars/it-support': PILOTS,
  'GET /api/v1/solutions/:id/lessons-learned': READ,
  'POST /api/v1/tickets': TICKETS,
  'GET /api/v1/tickets': TICKETS,
  'GET /api/v1/tickets/counts': TICKETS,
  'GET /api/v1/tickets/:ticketId': TICKETS,
  'PATCH /api/v1/tickets/:ticketId': TICKETS,
  'POST /api/v1/tickets/:ticketId/events': TICKETS,
  'POST /api/v1/tickets/:ticketId/comments': TICKETS,

  'GET /api/v1/solutions/:id/waves': READ,
  // the exports (test/api/exports.test.ts): the list routes' access; tickets of another ministry's solution 404
  'GET /api/v1/solutions/:id/exports/participants': READ,
  'GET /api/v1/solutions/:id/exports/tickets': { ...TICKETS, ministry: 'own' },
  'GET /api/v1/solutions/:id/exports/waves': READ,
  // quarterly snapshots (test/api/snapshots.test.ts): reading as the solution; taking a missing one is the operators'
  'GET /api/v1/solutions/:id/snapshots': READ,
  'POST /api/v1/solutions/:id/snapshots': ADMIN,
  'GET /api/v1/solutions/:id/snapshots/:quarter': READ,
  'GET /api/v1/solutions/:id/exports/snapshots/:quarter': READ,
  // coverage per Kreis and its export (test/api/coverage.test.ts)
  'GET /api/v1/solutions/:id/coverage': READ,
  'GET /api/v1/solutions/:id/exports/coverage': READ,
  'POST /api/v1/solutions/:id/waves': STEER,
  'GET /api/v1/solutions/:id/waves/ungeplant': READ,
  'GET /api/v1/solutions/:id/waves/:waveId': READ,
  'POST /api/v1/solutions/:id/waves/:waveId/members': STEER,
  'DELETE /api/v1/solutions/:id/waves/:waveId/members/:ars': STEER,
  'POST /api/v1/solutions/:id/waves/:waveId/start': STEER,
  'GET /api/v1/solutions/:id/waves/:waveId/progress': READ,

  'GET /api/v1/solutions/:id/bus-bb/leistungsbeschreibungen': READ,
  'POST /api/v1/solutions/:id/bus-bb/leistungsbeschreibungen': BUS_BB,
  'POST /api/v1/solutions/:id/reconciliations': BUS_BB,
  'GET /api/v1/solutions/:id/reconciliations': READ,
  'GET /api/v1/solutions/:id/reconciliations/:reconciliationId': READ,
  'POST /api/v1/solutions/:id/reconciliations/:reconciliationId/apply': BUS_BB,

  // Reading mails (what they say, how far they went) is reading the solution: no answer link in them.
  // The preview renders an authority's live links and stays with the steering roles.
  'GET /api/v1/solutions/:id/templates': READ,
  'GET /api/v1/solutions/:id/templates/:kind': READ,
  'PUT /api/v1/solutions/:id/templates/:kind': STEER,
  'DELETE /api/v1/solutions/:id/templates/:kind': STEER,
  'GET /api/v1/solutions/:id/mail-details': READ,
  'PUT /api/v1/solutions/:id/mail-details': STEER,
  'POST /api/v1/solutions/:id/mailings': STEER,
  'POST /api/v1/solutions/:id/mailings/preview': STEER,
  'GET /api/v1/solutions/:id/mailings': READ,
  'GET /api/v1/solutions/:id/mailings/:mailingId': READ,
  'GET /api/v1/solutions/:id/mailings/:mailingId/messages': READ,

  'GET /api/v1/authorities': DIRECTORY,
  'GET /api/v1/authorities/:ars': DIRECTORY,
  // the Lagebild (test/api/overview.test.ts): every reading role; a ministry's numbers cover its own solutions only
  'GET /api/v1/overview': { ...READ, ministry: 'yes' },

  'POST /api/v1/admin/tokens': TOKENS,
  'GET /api/v1/admin/tokens': TOKENS,
  'DELETE /api/v1/admin/tokens/:id': TOKENS,

  'POST /api/v1/admin/directory/imports': ADMIN,
  'GET /api/v1/admin/directory/imports': ADMIN,
  'GET /api/v1/admin/directory/imports/:id': ADMIN,
  'GET /api/v1/admin/jobs': ADMIN,
  'POST /api/v1/admin/mail/bounces': ADMIN,
  'GET /api/v1/admin/outbox': ADMIN,
  'GET /api/v1/admin/outbox/:file': ADMIN,
};

const CELL: Record<Access, string> = { yes: 'yes', own: 'own', no: '–' };

/** The README's role table: one row per route, one column per role, in the matrix's order. */
export function roleTableMarkdown(): string {
  const roles = ['admin', 'ministry', 'kaz', 'landesredaktion'] as const;
  const rows = Object.entries(MATRIX).map(([route, access]) => {
    const [method, path] = route.split(' ') as [string, string];
    return `| \`${method} ${path.replace(/^\/api\/v1/, '')}\` | ${roles.map((role) => CELL[access[role]]).join(' | ')} |`;
  });
  return [`| route (under \`/api/v1\`) | ${roles.join(' | ')} |`, `|---|${roles.map(() => ':-:').join('|')}|`, ...rows].join('\n');
}

if (import.meta.main) console.log(roleTableMarkdown());
