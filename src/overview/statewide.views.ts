import { Type } from 'typebox';
import { Nullable } from '../http/response.schemas.ts';
import { READINESS_GRUENDE, SOLUTION_STAGES } from '../../workflows/index.ts';

/** What GET /api/v1/overview answers: the Lagebild's numbers (statewide.queries.ts), camelCase. */

const Count = (description: string) => Type.Integer({ minimum: 0, description });

// keyed by the Grund as the answers name it (as the wave's progress): `fachverfahren-anbindung`, …
const Gruende = Type.Record(Type.String(), Count('Behörden mit diesem Grund'), {
  description: `Gründe der Antworten „nicht bereit“ (eine Behörde kann mehrere nennen); Schlüssel: ${READINESS_GRUENDE.join(', ')}`,
});

const SolutionRow = Type.Object({
  id: Type.String({ format: 'uuid' }),
  title: Type.String(),
  leadMinistry: Type.String({ description: 'Kürzel des federführenden Ministeriums' }),
  stage: Type.Enum([...SOLUTION_STAGES]),
  participants: Count('Teilnehmende insgesamt'),
  responsible: Count('zuständige Behörden: Teilnehmende außer nicht-zustaendig und ausgeschlossen'),
  live: Count('Stadium live'),
  pilotLive: Count('Stadium pilot-live'),
  livePercent: Type.Integer({ minimum: 0, maximum: 100, description: 'live und pilot-live von den zuständigen, ganze Prozent, abgerundet (99,6 % ist 99)' }),
  kreise: Count('Kreise mit zuständigen Behörden'),
  kreiseFlaechendeckend: Count('Kreise, in denen jede zuständige Behörde live ist'),
  overdue: Count('eingeladen, ohne Bereitschaftsantwort, Antwortfrist überschritten'),
  slaBreached: Count('offene Tickets mit überschrittenem SLA (wie das Ticket-Board „überschritten“ zählt)'),
  blockingTickets: Count('offene Tickets, die den Live-Gang blockieren'),
  blockedAuthorities: Count('Behörden mit mindestens einem offenen blockierenden Ticket'),
  nichtBereitGruende: Gruende,
});

export const StatewideOverviewView = Type.Object(
  {
    scope: Type.Object({ ministry: Nullable(Type.String({ description: 'nur die Lösungen dieses Ministeriums; null: alle' })) }),
    stages: Type.Array(Type.Object({ stage: Type.Enum([...SOLUTION_STAGES]), solutions: Count('Lösungen in diesem Stadium') }), {
      description: 'Lösungen je Stadium, in der Reihenfolge der Maschine',
    }),
    solutions: Type.Array(SolutionRow, { description: 'je Lösung eine Zeile, nach Titel' }),
    authorities: Type.Object({
      responsible: Count('Behörden, die für mindestens eine Lösung zuständig sind'),
      byLiveCount: Type.Array(Type.Object({ live: Count('Lösungen live'), authorities: Count('Behörden mit genau so vielen Lösungen live') }), {
        description: 'Verteilung: wie viele Behörden 0, 1, 2, … Lösungen live haben',
      }),
      top: Type.Array(Type.Object({ ars: Type.String(), name: Type.String(), live: Count('Lösungen live'), responsible: Count('Lösungen, für die sie zuständig ist') }), {
        description: 'die Behörden mit den meisten Lösungen live',
      }),
    }),
    kreise: Type.Array(
      Type.Object({
        ars: Nullable(Type.String({ description: 'ARS des Kreises; null: Behörden ohne Kreis (das Land)' })),
        name: Nullable(Type.String()),
        responsible: Count('Paare Behörde × Lösung, zuständig'),
        live: Count('davon live'),
        percent: Type.Integer({ minimum: 0, maximum: 100 }),
      }),
      { description: 'je Kreis: Paare Behörde × Lösung, live von zuständig' },
    ),
    stuck: Type.Object(
      {
        overdue: Count('überfällige Antworten, alle Lösungen'),
        slaBreached: Count('offene Tickets mit überschrittenem SLA'),
        blockingTickets: Count('offene blockierende Tickets'),
        blockedAuthorities: Count('Paare Behörde × Lösung, die ein offenes blockierendes Ticket aufhält'),
        nichtBereitGruende: Gruende,
      },
      { description: 'wo Rollouts stocken, über alle Lösungen' },
    ),
    blockingTicketList: Type.Optional(
      Type.Array(
        Type.Object({
          id: Type.String({ format: 'uuid' }),
          number: Type.Integer(),
          title: Type.String(),
          solutionId: Type.String({ format: 'uuid' }),
          solutionTitle: Type.String(),
          ars: Type.String(),
          authorityName: Type.String(),
          sla: Type.String({ description: 'SLA-Zustand wie das Ticket-Board' }),
        }),
        { description: 'offene blockierende Tickets (höchstens 50, nach Nummer); nur für Rollen mit Zugang zu Tickets – die Landesredaktion sieht nur die Zahlen' },
      ),
    ),
  },
  { description: 'Lagebild: alle Rollouts, die das Token sehen darf' },
);
