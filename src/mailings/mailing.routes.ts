import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { actorOf } from '../auth/api-token.service.ts';
import { requirePrincipal } from '../auth/auth.hook.ts';
import { NotFoundProblem, ValidationProblem } from '../http/problem.ts';
import { getSolution } from '../solutions/solution.service.ts';
import { deriveLinkToken, getLinkSecret } from '../responses/response-link.service.ts';
import { listOutbox, readOutboxFile } from '../mail/mail.transport.ts';
import { linkPurposesFor, MULTIPLIER_TEMPLATE } from './template.render.ts';
import { renderForRecipient } from './template.service.ts';
import {
  countAddressableParticipants,
  createMailing,
  getMailingProgress,
  listMailingMessages,
  listMailings,
  recordBounce,
  SENDABLE_KINDS,
  type MailingSettings,
} from './mailing.service.ts';

const Ars = Type.String({ pattern: '^[0-9]{12}$' });
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Datum JJJJ-MM-TT' });
const SendableKind = Type.Union(Object.keys(SENDABLE_KINDS).map((k) => Type.Literal(k)));
const AnyKind = Type.Union([...Object.keys(SENDABLE_KINDS), 'erinnerung', 'eskalation'].map((k) => Type.Literal(k)));
const Params = Type.Object({ id: Type.String({ format: 'uuid' }) });
const MailingParams = Type.Object({ id: Type.String({ format: 'uuid' }), mailingId: Type.String({ format: 'uuid' }) });

export interface MailingRoutesDeps {
  db: Kysely<Database>;
  settings: MailingSettings;
  publicBaseUrl: string;
  /** Set when mails go to the local outbox (no SMTP_URL): its directory. */
  outboxDir: string | null;
  now: () => Date;
  /** Wakes the local job worker after the mailing's jobs were committed. */
  wake?: () => void;
}

const ROLES = { roles: ['admin', 'ministry'] as ('admin' | 'ministry')[] };

export const mailingRoutes: FastifyPluginAsync<MailingRoutesDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = deps;
  const tags = ['Mailings'];

  app.post(
    '/solutions/:id/mailings',
    {
      config: ROLES,
      schema: {
        tags,
        summary: 'Mailing an die teilnehmenden Behörden versenden (Wiederholung nur mit nurOhneAntwort, nurNichtErreicht oder erneut: sonst 409)',
        params: Params,
        body: Type.Object(
          {
            kind: SendableKind,
            filter: Type.Optional(
              Type.Object(
                {
                  stages: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
                  kreisArs: Type.Optional(Ars),
                  authorities: Type.Optional(Type.Array(Ars, { minItems: 1, maxItems: 20000 })),
                },
                { additionalProperties: false },
              ),
            ),
            deadline: Type.Optional(IsoDate),
            reminders: Type.Optional(
              Type.Object(
                { count: Type.Integer({ minimum: 0, maximum: 5 }), intervalDays: Type.Integer({ minimum: 1, maximum: 60, default: 7 }) },
                { additionalProperties: false },
              ),
            ),
            nurOhneAntwort: Type.Optional(
              Type.Boolean({ description: 'Wiederholung: nur an ausgewählte Behörden, die noch über keinen Link dieser Art geantwortet haben' }),
            ),
            nurNichtErreicht: Type.Optional(
              Type.Boolean({ description: 'Wiederholung: nur an ausgewählte Behörden, die ein Mailing dieser Art nicht erreicht hat (nicht zustellbar oder nie angeschrieben)' }),
            ),
            erneut: Type.Optional(Type.Boolean({ description: 'Wiederholung: noch einmal an alle ausgewählten Behörden (Erstinformation: auch an die Multiplikatoren)' })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const result = await createMailing(db, deps.settings, principal, request.params.id, request.body, actorOf(principal), deps.now());
      deps.wake?.();
      return reply
        .code(201)
        .header('location', `/api/v1/solutions/${request.params.id}/mailings/${result.mailingId}`)
        .send(result);
    },
  );

  app.post(
    '/solutions/:id/mailings/preview',
    {
      config: ROLES,
      schema: {
        tags,
        summary: 'Vorschau: die Mail einer Behörde (oder die Kopie an die Multiplikatoren) genau so, wie sie versandt wird',
        params: Params,
        body: Type.Object(
          {
            kind: AnyKind,
            ars: Type.Optional(Ars),
            empfaenger: Type.Optional(
              Type.Union([Type.Literal('behoerde'), Type.Literal('multiplikator')], {
                description: 'behoerde (Standard; dann ist ars Pflicht) oder multiplikator: die Kopie der Erstinformation an die Spitzenverbände',
              }),
            ),
            deadline: Type.Optional(IsoDate),
            erinnerungNummer: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { kind, deadline, erinnerungNummer } = request.body;
      await getSolution(db, requirePrincipal(request), request.params.id); // access check
      if (request.body.empfaenger === 'multiplikator') {
        if (kind !== 'erstinformation') {
          throw new ValidationProblem('Kopien an die Multiplikatoren gibt es nur zur Erstinformation', [
            { field: '/body/kind', message: 'bei empfaenger „multiplikator“ nur „erstinformation“' },
          ]);
        }
        return renderForRecipient(db, {
          solutionId: request.params.id,
          kind: MULTIPLIER_TEMPLATE,
          ars: null,
          frist: deadline ?? null,
          links: {},
          empfaengerAnzahl: await countAddressableParticipants(db, request.params.id),
        });
      }
      const ars = request.body.ars;
      if (!ars) throw new ValidationProblem('Für die Vorschau einer Behörden-Mail fehlt die Behörde', [{ field: '/body/ars', message: 'Pflichtangabe' }]);
      const participant = await db
        .selectFrom('participant')
        .select('ars')
        .where('solution_id', '=', request.params.id)
        .where('ars', '=', ars)
        .executeTakeFirst();
      if (!participant) throw new NotFoundProblem(`Behörde ${ars} ist nicht Teilnehmerin dieser Lösung`);
      const secret = await getLinkSecret(db);
      // Reminders carry the links of the mailing they remind of; preview them with the Erstinformation's.
      const purposes = linkPurposesFor(kind === 'erinnerung' ? 'erstinformation' : kind);
      const links = Object.fromEntries(
        purposes.map((purpose) => [purpose, `${deps.publicBaseUrl}/antwort/${deriveLinkToken(secret, { solutionId: request.params.id, ars, purpose })}`]),
      );
      return renderForRecipient(db, {
        solutionId: request.params.id,
        kind,
        ars,
        frist: deadline ?? null,
        links,
        ...(kind === 'erinnerung' ? { erinnerungNummer: erinnerungNummer ?? 1 } : {}),
      });
    },
  );

  app.get(
    '/solutions/:id/mailings',
    { config: ROLES, schema: { tags, summary: 'Mailings der Lösung mit Versandstand', params: Params } },
    async (request) => listMailings(db, requirePrincipal(request), request.params.id),
  );

  app.get(
    '/solutions/:id/mailings/:mailingId',
    { config: ROLES, schema: { tags, summary: 'Versandstand eines Mailings (versandt / ausstehend / fehlgeschlagen)', params: MailingParams } },
    async (request) => getMailingProgress(db, requirePrincipal(request), request.params.id, request.params.mailingId),
  );

  app.get(
    '/solutions/:id/mailings/:mailingId/messages',
    {
      config: ROLES,
      schema: {
        tags,
        summary: 'Zustellstatus je Empfänger',
        params: MailingParams,
        querystring: Type.Object({
          status: Type.Optional(Type.String()),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          offset: Type.Integer({ minimum: 0, default: 0 }),
        }),
      },
    },
    async (request) => listMailingMessages(db, requirePrincipal(request), request.params.id, request.params.mailingId, request.query),
  );

  app.post(
    '/admin/mail/bounces',
    {
      config: { roles: ['admin'] },
      schema: {
        tags,
        summary: 'Unzustellbarkeitsmeldung (Bounce) zu einer Message-ID erfassen',
        body: Type.Object({ messageId: Type.String({ minLength: 3 }), reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      await recordBounce(db, request.body.messageId, request.body.reason);
      return reply.code(204).send();
    },
  );

  app.get(
    '/admin/outbox',
    { config: { roles: ['admin'] }, schema: { tags, summary: 'Lokaler Postausgang (ohne SMTP_URL): abgelegte .eml-Dateien' } },
    async () => {
      if (!deps.outboxDir) return { smtp: true, items: [] };
      return { smtp: false, items: await listOutbox(deps.outboxDir) };
    },
  );

  app.get(
    '/admin/outbox/:file',
    { config: { roles: ['admin'] }, schema: { tags, summary: 'Eine .eml-Datei des lokalen Postausgangs', params: Type.Object({ file: Type.String({ pattern: '^[A-Za-z0-9._@-]+\\.eml$' }) }) } },
    async (request, reply) => {
      if (!deps.outboxDir) throw new NotFoundProblem('Kein lokaler Postausgang: Mails gehen per SMTP hinaus');
      const content = await readOutboxFile(deps.outboxDir, request.params.file);
      return reply.type('message/rfc822').send(content);
    },
  );
};
