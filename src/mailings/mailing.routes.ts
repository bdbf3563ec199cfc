import type { FastifyPluginAsync } from 'fastify';
import { ACCESS } from '../auth/roles.ts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { actorOf } from '../auth/api-token.service.ts';
import { requirePrincipal } from '../auth/auth.hook.ts';
import { NotFoundError, InvalidInputError } from '../errors/domain.errors.ts';
import { NoContent, problemResponses } from '../http/response.schemas.ts';
import { LARGE_JSON_BODY_LIMIT_BYTES } from '../http/body-limits.ts';
import { Ars, CalendarDate, Line, OneOf, Paging, Text, Uuid } from '../validation/common.schemas.ts';
import { PARTICIPANT_STAGES } from '../../workflows/index.ts';
import type { MailStatus } from '../db/schema.ts';
import { linkSecretOnce } from '../links/link.service.ts';
import { InvalidOutboxFileError, listOutbox, OUTBOX_FILE_PATTERN, readOutboxFile } from '../mail/mail.transport.ts';
import { previewMailing } from './mailing-preview.service.ts';
import {
  createMailing,
  getMailingProgress,
  listMailingMessages,
  listMailings,
  recordBounce,
  SENDABLE_KINDS,
  type MailingSettings,
} from './mailing.service.ts';

const SENDABLE = Object.keys(SENDABLE_KINDS) as (keyof typeof SENDABLE_KINDS)[];
const SendableKind = OneOf(SENDABLE, 'Art des Mailings');
const AnyKind = OneOf([...SENDABLE, 'erinnerung', 'eskalation'], 'Art der Mail');
const Deadline = CalendarDate('Antwortfrist JJJJ-MM-TT (ab heute; Erinnerungen zählen von ihr)');
const Params = Type.Object({ id: Uuid });
const MailingParams = Type.Object({ id: Uuid, mailingId: Uuid });
const MAIL_STATUSES = [
  'ausstehend',
  'wird-gesendet',
  'angenommen',
  'zurueckgestellt',
  'fehlgeschlagen',
  'unzustellbar',
  'verworfen',
] as const satisfies readonly MailStatus[];

const Counts = (description: string) => Type.Record(Type.String(), Type.Integer(), { description });
const MailingCreated = Type.Object(
  {
    mailingId: Type.String({ format: 'uuid' }),
    messages: Type.Integer({ description: 'Nachrichten, die an die Zustellung gingen (mit Multiplikatoren)' }),
    withoutAddress: Type.Array(Type.String(), { description: 'ARS der ausgewählten Behörden ohne E-Mail-Adresse' }),
  },
  { description: 'Mailing angelegt; die Zustellung läuft' },
);
const MailingProgress = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.String(),
    filter: Type.Object({}, { additionalProperties: true, description: 'Auswahl und Wiederholungsangabe, wie versandt' }),
    deadline: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
    reminders: Type.Object({ count: Type.Integer(), intervalDays: Type.Integer() }),
    createdBy: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    recipientsTotal: Type.Integer(),
    withoutAddress: Type.Array(Type.String()),
    messages: Type.Object({
      total: Type.Integer(),
      byStatus: Counts('Nachrichten der Art je Status'),
      open: Type.Integer({ description: 'noch unterwegs (ausstehend, wird-gesendet, zurückgestellt)' }),
      done: Type.Boolean(),
    }),
    reminderMessages: Counts('Erinnerungen je Status'),
    escalationMessages: Counts('Eskalationen je Status'),
  },
  { description: 'Versandstand eines Mailings' },
);
const MessagePage = Type.Object(
  {
    total: Type.Integer(),
    items: Type.Array(
      Type.Object({
        id: Type.String({ format: 'uuid' }),
        ars: Type.Union([Type.String(), Type.Null()], { description: 'null: Multiplikator' }),
        authority: Type.Union([Type.String(), Type.Null()]),
        email: Type.String(),
        role: Type.Enum(['behoerde', 'multiplikator', 'ministerium'], { description: 'ministerium: die Eskalation an die Ansprechperson' }),
        kind: Type.String(),
        reminderNo: Type.Integer(),
        status: Type.Enum([...MAIL_STATUSES]),
        messageId: Type.String(),
        attempts: Type.Integer(),
        serverResponse: Type.Union([Type.String(), Type.Null()], { description: 'Antwort des Mailservers' }),
        sentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      }),
    ),
  },
  { description: 'Zustellstatus je Empfänger' },
);
const RenderedMessage = Type.Object(
  {
    subject: Type.String(),
    text: Type.String(),
    html: Type.String(),
    replyTo: Type.Union([Type.Object({ name: Type.String(), address: Type.String() }), Type.Null()], { description: 'die Ansprechperson der Lösung' }),
  },
  { description: 'die Mail, wie sie versandt wird' },
);
const OutboxList = Type.Object(
  {
    smtp: Type.Boolean({ description: 'true: Mails gehen per SMTP hinaus, es gibt keinen lokalen Postausgang' }),
    items: Type.Array(Type.Object({ file: Type.String(), size: Type.Integer(), modifiedAt: Type.String({ format: 'date-time' }) })),
  },
  { description: 'Dateien des lokalen Postausgangs, neueste zuerst' },
);

/** The request body of POST /solutions/:id/mailings: the staff's mailing form checks against the same. */
export const MailingBody = Type.Object(
  {
    kind: SendableKind,
    filter: Type.Optional(
      Type.Object(
        {
          stages: Type.Optional(Type.Array(OneOf(PARTICIPANT_STAGES), { minItems: 1, maxItems: PARTICIPANT_STAGES.length, uniqueItems: true })),
          kreisArs: Type.Optional(Ars),
          authorities: Type.Optional(Type.Array(Ars, { minItems: 1, maxItems: 20000 })),
        },
        { additionalProperties: false },
      ),
    ),
    deadline: Type.Optional(Deadline),
    reminders: Type.Optional(
      Type.Object(
        { count: Type.Integer({ minimum: 0, maximum: 5 }), intervalDays: Type.Integer({ minimum: 1, maximum: 60, default: 7 }) },
        {
          additionalProperties: false,
          description: 'Erinnerungen ab dem Morgen nach der Antwortfrist; nicht für „pilot-einladung“, die nichts mit Frist fragt (422)',
        },
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
);

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

const ROLES = { roles: [...ACCESS.steer] };
/** Reading mailings and their delivery status: every role that reads the solution (no answer link in them, roles.ts). */
const READ_MAIL = { roles: [...ACCESS.readMail] };

export const mailingRoutes: FastifyPluginAsync<MailingRoutesDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = deps;
  const linkSecret = linkSecretOnce(db);
  const tags = ['Mailings'];

  app.post(
    '/solutions/:id/mailings',
    {
      config: ROLES,
      bodyLimit: LARGE_JSON_BODY_LIMIT_BYTES,
      schema: {
        tags,
        operationId: 'createMailing',
        summary: 'Mailing an die teilnehmenden Behörden versenden (Wiederholung nur mit nurOhneAntwort, nurNichtErreicht oder erneut: sonst 409)',
        params: Params,
        body: MailingBody,
        response: {
          201: { ...MailingCreated, headers: { location: Type.String({ description: 'URL des Versandstands' }) } },
          ...problemResponses({
            409: 'Stadium passt nicht, Filter trifft niemanden, oder Wiederholung ohne nurOhneAntwort/nurNichtErreicht/erneut',
            422: 'ungültige Angaben, oder die Ansprechperson der Lösung fehlt (errors nennt /mailDetails/kontaktName, /mailDetails/kontaktEmail)',
          }),
        },
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
        operationId: 'previewMailing',
        summary: 'Vorschau: die Mail einer Behörde (oder die Kopie an die Multiplikatoren) genau so, wie sie versandt wird',
        params: Params,
        body: Type.Object(
          {
            kind: AnyKind,
            ars: Type.Optional(Ars),
            empfaenger: Type.Optional(
              OneOf(
                ['behoerde', 'multiplikator'],
                'behoerde (Standard; dann ist ars Pflicht) oder multiplikator: die Kopie der Erstinformation an die Spitzenverbände',
              ),
            ),
            deadline: Type.Optional(CalendarDate('Antwortfrist JJJJ-MM-TT, wie sie die Mail nennt')),
            erinnerungNummer: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: RenderedMessage },
      },
    },
    async (request) => previewMailing(db, { publicBaseUrl: deps.publicBaseUrl, linkSecret }, requirePrincipal(request), request.params.id, request.body),
  );

  app.get(
    '/solutions/:id/mailings',
    {
      config: READ_MAIL,
      schema: {
        tags,
        operationId: 'listMailings',
        summary: 'Mailings der Lösung mit Versandstand',
        params: Params,
        response: { 200: Type.Array(MailingProgress, { description: 'Mailings, neueste zuerst' }) },
      },
    },
    async (request) => listMailings(db, requirePrincipal(request), request.params.id),
  );

  app.get(
    '/solutions/:id/mailings/:mailingId',
    {
      config: READ_MAIL,
      schema: {
        tags,
        operationId: 'getMailingProgress',
        summary: 'Versandstand eines Mailings (versandt / ausstehend / fehlgeschlagen)',
        params: MailingParams,
        response: { 200: MailingProgress },
      },
    },
    async (request) => getMailingProgress(db, requirePrincipal(request), request.params.id, request.params.mailingId),
  );

  app.get(
    '/solutions/:id/mailings/:mailingId/messages',
    {
      config: READ_MAIL,
      schema: {
        tags,
        operationId: 'listMailingMessages',
        summary: 'Zustellstatus je Empfänger',
        params: MailingParams,
        querystring: Type.Object({
          status: Type.Optional(OneOf(MAIL_STATUSES, 'nur Nachrichten in diesem Status')),
          ...Paging(100),
        }),
        response: { 200: MessagePage },
      },
    },
    async (request) => {
      const { status, limit = 100, offset = 0 } = request.query;
      return listMailingMessages(db, requirePrincipal(request), request.params.id, request.params.mailingId, { status, limit, offset });
    },
  );

  app.post(
    '/admin/mail/bounces',
    {
      config: { roles: [...ACCESS.admin] },
      schema: {
        tags,
        operationId: 'recordBounce',
        summary: 'Unzustellbarkeitsmeldung (Bounce) zu einer Message-ID erfassen',
        body: Type.Object(
          {
            messageId: { ...Line('Message-ID der Nachricht, z. B. <…@msgiv.brandenburg.de>', 998), minLength: 3 },
            reason: Text('Meldung des Mailservers'),
          },
          { additionalProperties: false },
        ),
        response: { 204: NoContent('erfasst: die Nachricht gilt als unzustellbar'), ...problemResponses({ 404: 'keine Nachricht mit dieser Message-ID' }) },
      },
    },
    async (request, reply) => {
      await recordBounce(db, request.body.messageId, request.body.reason);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/admin/outbox',
    {
      config: { roles: [...ACCESS.admin] },
      schema: { tags, operationId: 'listOutbox', summary: 'Lokaler Postausgang (ohne SMTP_URL): abgelegte .eml-Dateien', response: { 200: OutboxList } },
    },
    async () => {
      if (!deps.outboxDir) return { smtp: true, items: [] };
      return { smtp: false, items: await listOutbox(deps.outboxDir) };
    },
  );

  app.get(
    '/admin/outbox/:file',
    {
      config: { roles: [...ACCESS.admin] },
      schema: {
        tags,
        operationId: 'getOutboxFile',
        summary: 'Eine .eml-Datei des lokalen Postausgangs',
        params: Type.Object({ file: Type.String({ pattern: OUTBOX_FILE_PATTERN, maxLength: 210, description: 'Dateiname aus der Liste, z. B. 3f…@msgiv.example.eml' }) }),
        response: {
          200: { description: 'die Mail als RFC-5322-Text', content: { 'message/rfc822': { schema: Type.Unsafe<Buffer>({ type: 'string' }) } } },
          ...problemResponses({ 404: 'keine solche Datei (oder kein lokaler Postausgang)' }),
        },
      },
    },
    async (request, reply) => {
      const { file } = request.params;
      if (!deps.outboxDir) throw new NotFoundError('Kein lokaler Postausgang: Mails gehen per SMTP hinaus');
      try {
        return reply.type('message/rfc822').send(await readOutboxFile(deps.outboxDir, file));
      } catch (error) {
        if (error instanceof InvalidOutboxFileError) {
          throw new InvalidInputError('Kein Dateiname aus dem Postausgang', [{ field: '/params/file', message: 'Name einer .eml-Datei aus GET /admin/outbox' }]);
        }
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`Keine Datei ${file} im Postausgang`);
        throw error;
      }
    },
  );
};
