import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { actorOf, createApiToken, listApiTokens, revokeApiToken, type Principal } from '../auth/api-token.service.ts';
import { ACCESS, ROLES, type Role } from '../auth/roles.ts';
import type { FieldError } from '../errors/domain.errors.ts';
import { jobOverview } from '../jobs/job.routes.ts';
import { JOB_STATUSES } from '../jobs/job.views.ts';
import { sendHtml } from './layout.ts';
import type { StaffFrame } from './staff.layout.ts';
import { renderIssuedToken, renderRevokeConfirmation, renderTokenList, TOKENS_PATH, type TokenListView } from './admin-tokens.page.ts';
import { JOBS_PATH, renderJobOverview } from './admin-jobs.page.ts';
import { HIDDEN, isUuid } from './staff-route.kit.ts';

/**
 * The administration pages inside the staff plugin: personal tokens with exactly the API's
 * scoping and rules (src/tokens/token.routes.ts: a ministry issues and revokes only its own
 * staff's ministry tokens, the admin all) through the same service functions, and the
 * admin's job overview from the API's query.
 */

export interface AdminPagesDeps {
  db: Kysely<Database>;
  frame: (request: FastifyRequest, reply: FastifyReply, title: string, path: string) => StaffFrame;
  formGuards: NonNullable<RouteShorthandOptions['preHandler']>;
  /** The API's token cache: a revoked token is refused from the next request on. */
  forgetToken?: (tokenId: string) => void;
}

const MINISTRY = /^[A-Za-zÄÖÜäöü-]{2,20}$/;
const LABEL_MAX = 100;

const scopeOf = (principal: Principal) => ({ ministry: principal.role === 'ministry' ? principal.ministry : null });
/** What the API lets each manager issue: a ministry only ministry tokens, the admin every role. */
const issuableRoles = (principal: Principal): readonly Role[] => (principal.role === 'ministry' ? ['ministry'] : ROLES);
const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

export function registerAdminPageRoutes(app: FastifyInstance, deps: AdminPagesDeps): void {
  const { db, frame, formGuards } = deps;
  const tokenConfig = { staffRoles: ACCESS.tokens };

  async function tokenList(request: FastifyRequest, reply: FastifyReply, status: number, view: Partial<TokenListView>, revokedId?: string) {
    const principal = request.principal!;
    const tokens = await listApiTokens(db, scopeOf(principal));
    // the notice names the person from the list, never from the query string
    const revoked = revokedId ? tokens.find((token) => token.id === revokedId && token.revoked_at) : undefined;
    if (revoked) view = { ...view, notice: `Das Token von ${revoked.label} ist widerrufen; die Sitzungen dieser Person sind beendet.` };
    const page = renderTokenList(frame(request, reply, 'Persönliche Tokens', TOKENS_PATH), {
      tokens,
      csrf: reply.generateCsrf(),
      roles: issuableRoles(principal),
      chooseMinistry: principal.role !== 'ministry',
      ...view,
    });
    return sendHtml(reply, status, page);
  }

  app.get(TOKENS_PATH, { ...HIDDEN, config: tokenConfig }, async (request, reply) => {
    const revoked = (request.query as Record<string, unknown>).widerrufen;
    return tokenList(request, reply, 200, {}, typeof revoked === 'string' ? revoked : undefined);
  });

  app.post(TOKENS_PATH, { ...HIDDEN, config: tokenConfig, preHandler: formGuards }, async (request, reply) => {
    const principal = request.principal!;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values = { label: text(body.label), role: text(body.role), ministry: text(body.ministry) };
    if (!issuableRoles(principal).includes(values.role as Role)) {
      return tokenList(request, reply, 403, { values, conflict: `Sie dürfen keine Tokens der Rolle „${values.role || 'ohne Angabe'}“ ausstellen. Ein Ministerium stellt nur Tokens für die eigenen Mitarbeitenden aus.` });
    }
    const role = values.role as Role;
    let ministry: string | null = values.ministry || null;
    if (principal.role === 'ministry') {
      if (ministry && ministry !== principal.ministry) return tokenList(request, reply, 403, { values, conflict: `Sie dürfen keine Tokens für das Ministerium ${ministry} ausstellen.` });
      ministry = principal.ministry;
    }
    const errors: FieldError[] = [];
    if (!values.label) errors.push({ field: 'label', message: 'Bitte geben Sie den Namen der Person an.' });
    else if (values.label.length > LABEL_MAX || /\p{Cc}/u.test(values.label)) errors.push({ field: 'label', message: `Der Name darf höchstens ${LABEL_MAX} Zeichen lang sein und keine Steuerzeichen enthalten.` });
    if (role === 'ministry' && !ministry) errors.push({ field: 'ministry', message: 'Bitte geben Sie bei der Rolle Ministerium das Kürzel des Ministeriums an, z. B. MSGIV.' });
    else if (role === 'ministry' && ministry && !MINISTRY.test(ministry)) errors.push({ field: 'ministry', message: 'Das Kürzel des Ministeriums besteht aus 2 bis 20 Buchstaben, z. B. MSGIV.' });
    if (role !== 'ministry' && ministry) errors.push({ field: 'ministry', message: `Tokens der Rolle ${role} gehören zu keinem Ministerium: bitte lassen Sie das Feld leer.` });
    if (errors.length) return tokenList(request, reply, 422, { values, errors });
    const created = await createApiToken(db, { role, ministry: role === 'ministry' ? ministry : null, label: values.label, createdBy: actorOf(principal) });
    request.log.info({ tokenId: created.id, role }, 'Token über die Weboberfläche ausgestellt');
    reply.header('cache-control', 'no-store');
    const page = renderIssuedToken(frame(request, reply, `Token für ${values.label} ausgestellt`, TOKENS_PATH), {
      label: values.label,
      role,
      ministry: role === 'ministry' ? ministry : null,
      token: created.token,
    });
    return sendHtml(reply, 201, page);
  });

  /** The active token with this id among those the person manages, or null. */
  async function managedToken(request: FastifyRequest) {
    const id = (request.params as { id: string }).id;
    if (!isUuid(id)) return null;
    const tokens = await listApiTokens(db, scopeOf(request.principal!));
    return tokens.find((token) => token.id === id.toLowerCase()) ?? null;
  }

  const gone = (request: FastifyRequest, reply: FastifyReply) =>
    tokenList(request, reply, 409, { conflict: 'Dieses Token gibt es unter Ihren Tokens nicht oder es ist bereits widerrufen.' });

  app.get(`${TOKENS_PATH}/:id/widerrufen`, { ...HIDDEN, config: tokenConfig }, async (request, reply) => {
    const token = await managedToken(request);
    if (!token || token.revoked_at) return gone(request, reply);
    return sendHtml(reply, 200, renderRevokeConfirmation(frame(request, reply, `Token von ${token.label} widerrufen`, TOKENS_PATH), token, reply.generateCsrf()));
  });

  app.post(`${TOKENS_PATH}/:id/widerrufen`, { ...HIDDEN, config: tokenConfig, preHandler: formGuards }, async (request, reply) => {
    const principal = request.principal!;
    const token = await managedToken(request);
    if (!token || !(await revokeApiToken(db, token.id, { ...scopeOf(principal), revokedBy: actorOf(principal), ...(deps.forgetToken ? { forget: deps.forgetToken } : {}) }))) return gone(request, reply);
    // revoking one's own token ends one's own session as well: the next request is signed out
    return reply.redirect(`${TOKENS_PATH}?widerrufen=${token.id}`, 303);
  });

  app.get(JOBS_PATH, { ...HIDDEN, config: { staffRoles: ACCESS.admin } }, async (request, reply) => {
    const wanted = text((request.query as Record<string, unknown>).status);
    const status = (JOB_STATUSES as readonly string[]).includes(wanted) ? (wanted as (typeof JOB_STATUSES)[number]) : undefined;
    const overview = await jobOverview(db, { status, limit: 50 });
    return sendHtml(reply, 200, renderJobOverview(frame(request, reply, 'Hintergrundaufträge', JOBS_PATH), overview, status ?? null));
  });
}
