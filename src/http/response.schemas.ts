import { Type, type TSchema } from 'typebox';

/** What a caller can send to a machine now: every view and refusal that has `allowedEvents` has `blockedEvents` beside it. */
export const AllowedEventList = Type.Array(Type.String(), {
  description: 'Ereignisse, die ein API-Aufrufer jetzt senden kann (bei Angaben wie einer Begründung: mit gültigen Angaben)',
});
export const BlockedEventList = Type.Array(
  Type.Object({
    type: Type.String(),
    reason: Type.String({ description: 'warum nicht, auf Deutsch – genau der Grund, mit dem das Ereignis jetzt abgewiesen würde (409)' }),
  }),
  { description: 'Ereignisse, die das Stadium kennt, die der Stand oder die Fakten (Zahlen, Fristen, blockierende Tickets) aber gerade zurückhalten' },
);

/**
 * RFC 9457 problem details as every error of the API answers them (the error handler),
 * shared by all routes of the OpenAPI document. Open for extension members: a refused
 * event adds `allowedEvents`, `blockedEvents` and `facts`, a repeated mailing its counts.
 */
export const PROBLEM_SCHEMA_ID = 'Problem';

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'immer about:blank' }),
    title: Type.String({ description: 'Art des Fehlers, z. B. „Ungültige Eingabe“' }),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String({ description: 'was nicht ging, auf Deutsch' }),
    requestId: Type.Optional(Type.String({ description: 'bei Rückfragen angeben (auch im Kopf x-request-id)' })),
    errors: Type.Optional(
      Type.Array(
        Type.Object(
          {
            field: Type.String({ description: 'JSON-Pointer der Angabe, z. B. /body/reason oder /querystring/limit' }),
            message: Type.String(),
          },
          { additionalProperties: true },
        ),
        { description: 'bei 4xx wegen einzelner Angaben: welche und warum' },
      ),
    ),
    allowedEvents: Type.Optional({ ...AllowedEventList, description: 'bei einem abgewiesenen Ereignis (409): was jetzt möglich ist' }),
    blockedEvents: Type.Optional({ ...BlockedEventList, description: 'bei einem abgewiesenen Ereignis (409): was der Stand zurückhält, mit Grund' }),
    blockingTicketCount: Type.Optional(Type.Integer({ minimum: 1, description: 'Live-Gang (409): so viele offene blockierende Tickets bei der Kaz halten ihn auf' })),
    blockingTickets: Type.Optional(
      Type.Array(
        Type.Object({ id: Type.String({ format: 'uuid' }), number: Type.Integer(), title: Type.String(), stage: Type.String() }, { additionalProperties: true }),
        { description: 'Live-Gang (409): die blockierenden Tickets – nur für Rollen mit Zugang zu Tickets (Admin, Kaz, das Ministerium der Lösung)' },
      ),
    ),
  },
  { $id: PROBLEM_SCHEMA_ID, additionalProperties: true, description: 'Fehler als application/problem+json (RFC 9457)' },
);

/** Response entries for problem answers of a route: `{ 404: 'EfA-Lösung nicht gefunden' }`. */
export function problemResponses(descriptions: Record<number, string>) {
  return Object.fromEntries(
    Object.entries(descriptions).map(([status, description]) => [
      status,
      { description, content: { 'application/problem+json': { schema: { $ref: `${PROBLEM_SCHEMA_ID}#` } } } },
    ]),
  );
}

/** A 204: no body, and the document says so (no content). */
export const NoContent = (description: string) => Type.Null({ description });

/** A value or null, as views answer absent data. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A point in time as the API answers it (ISO 8601, UTC). */
export const Timestamp = (description?: string) => Type.String({ format: 'date-time', ...(description ? { description } : {}) });
