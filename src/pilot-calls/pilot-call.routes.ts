import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { problemResponses } from '../http/response.schemas.ts';
import { DESCRIPTION_MAX, listOpenPilotCalls, OPEN_CALL_STAGES } from './pilot-call.queries.ts';

/** The public path of the list as JSON, under the API's prefix (/api/v1). */
export const PUBLIC_PILOT_CALLS_PATH = '/public/mitarbeit-gesucht';

const Nullable = (description: string) => Type.Union([Type.String(), Type.Null()], { description });

export const PilotCall = Type.Object(
  {
    titel: Type.String({ description: 'Titel der EfA-Lösung' }),
    ozgId: Type.String({ description: 'OZG-ID der Leistung' }),
    ministerium: Type.String({ description: 'federführendes Ministerium, voller Name' }),
    ministeriumKuerzel: Type.String({ description: 'Kürzel des Ministeriums (z. B. MGS)' }),
    phase: Type.Enum([...OPEN_CALL_STAGES], { description: 'erstinformation: Behörden können sich mit der Erstinformation als Pilot bewerben; pilotphase: Pilotaufruf läuft' }),
    gesucht: Type.String({ description: `was gefragt ist: die Beschreibung der Lösung, gekürzt auf höchstens ${DESCRIPTION_MAX} Zeichen` }),
    bewerbungBis: Type.Union([Type.String({ format: 'date' }), Type.Null()], { description: 'Frist des neuesten Pilotaufrufs (JJJJ-MM-TT); null: keine Frist genannt' }),
    kontaktName: Nullable('Ansprechperson im Ministerium (aus den Angaben für die Mails); null: noch nicht eingetragen'),
    kontaktEmail: Nullable('E-Mail-Adresse der Ansprechperson; null: noch nicht eingetragen'),
  },
  { additionalProperties: false },
);

const PilotCallList = Type.Object(
  { items: Type.Array(PilotCall) },
  { description: 'die EfA-Lösungen, die zurzeit Pilotbehörden suchen (nach Titel); öffentlich, ohne Interna' },
);

/**
 * `GET /api/v1/public/mitarbeit-gesucht`: the one API operation without a token. Registered
 * in its own scope beside the API (src/app.ts), so the token check never runs for it;
 * the API's rate limit does. Any site may read it (CORS `*`); no cookie is read or set.
 */
export const publicPilotCallRoutes: FastifyPluginAsync<{ db: Kysely<Database>; now: () => Date }> = async (fastify, { db, now }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    PUBLIC_PILOT_CALLS_PATH,
    {
      schema: {
        tags: ['Öffentlich'],
        operationId: 'getPublicPilotCalls',
        summary: 'Kommunale Mitarbeit gesucht: EfA-Lösungen, die Pilotbehörden suchen (öffentlich, ohne Token)',
        description:
          'Gelistet ist eine Lösung in der Phase Erstinformation oder Pilotphase, solange die Frist ihres neuesten Pilotaufrufs (falls einer mit Frist versandt wurde) nicht verstrichen ist. ' +
          'Behörden, die die Mail erhalten haben, antworten über ihren eigenen Link; alle anderen melden sich bei der Ansprechperson. Dieselbe Liste als Seite: /mitarbeit-gesucht, zum Einbetten: /mitarbeit-gesucht/einbetten.',
        security: [],
        // the input guard checks every request, this one's query string too
        response: { 200: PilotCallList, ...problemResponses({ 422: 'ungültige Zeichen in der Adresse (NUL, ungültiges Unicode)' }) },
      },
    },
    async (_request, reply) => {
      reply.header('access-control-allow-origin', '*').header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
      return { items: await listOpenPilotCalls(db, now()) };
    },
  );
};
