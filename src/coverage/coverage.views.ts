import { Type } from 'typebox';
import { Nullable, Timestamp } from '../http/response.schemas.ts';

/** What GET /solutions/:id/coverage answers (coverage.queries.ts; camelCase, undeclared fields dropped). */

const Ticket = Type.Object({ id: Type.String({ format: 'uuid' }), number: Type.Integer(), title: Type.String() });

const Blocker = Type.Object(
  {
    kind: Type.Enum(['nicht-bereit', 'bereit-ab', 'blockierende-tickets', 'offene-tickets', 'ueberfaellig', 'abgelehnt', 'keine-antwort'], {
      description:
        'nicht-bereit (gruende, freitext), bereit-ab (ab), blockierende-tickets / offene-tickets (count, tickets), ueberfaellig (fristBis: Antwortfrist verstrichen ohne Bereitschaftsantwort), abgelehnt (reason), keine-antwort (nichts davon, eine Antwort steht aus)',
    }),
    gruende: Type.Optional(Type.Array(Type.String(), { description: 'Gründe „nicht bereit“ (READINESS_GRUENDE)' })),
    freitext: Type.Optional(Nullable(Type.String())),
    ab: Type.Optional(Type.String({ format: 'date', description: 'bereit ab (JJJJ-MM-TT)' })),
    count: Type.Optional(Type.Integer({ description: 'Anzahl offener Tickets dieser Art' })),
    tickets: Type.Optional(Type.Array(Ticket, { description: 'nur für Rollen mit Zugang zu Tickets (Admin, Ministerium, Kaz); die Landesredaktion erfährt nur die Anzahl' })),
    fristBis: Type.Optional(Nullable(Timestamp('Ende der Antwortfrist (Start der Welle + fristTage), wenn bekannt'))),
    reason: Type.Optional(Nullable(Type.String({ description: 'Begründung der Ablehnung' }))),
  },
  { description: 'worauf eine fehlende Behörde wartet' },
);

const Missing = Type.Object({
  ars: Type.String(),
  name: Type.String(),
  stage: Type.String(),
  stageLabel: Type.String({ description: 'das Stadium in Worten' }),
  blockers: Type.Array(Blocker, { description: 'leer: nichts hält sie auf, der nächste Schritt ihres Stadiums steht an' }),
});

const Figures = {
  responsible: Type.Integer({ description: 'zuständig: Teilnehmende außer „nicht zuständig“ und „ausgeschlossen“' }),
  live: Type.Integer({ description: 'live oder pilot-live' }),
  percent: Type.Integer({ minimum: 0, maximum: 100, description: 'live von zuständig in Prozent, abgerundet' }),
  flaechendeckend: Type.Boolean({ description: 'mindestens eine zuständige Behörde und jede zuständige live' }),
};

export const CoverageView = Type.Object(
  {
    solutionId: Type.String({ format: 'uuid' }),
    asOf: Timestamp('Stand'),
    ticketDetails: Type.Boolean({ description: 'ob die Tickets mit Nummer und Titel genannt sind' }),
    land: Type.Object({ ...Figures, kreise: Type.Integer(), kreiseFlaechendeckend: Type.Integer() }, { description: 'das ganze Land' }),
    kreise: Type.Array(
      Type.Object({
        kreisArs: Nullable(Type.String({ description: 'ARS des Landkreises oder der kreisfreien Stadt; null: ohne Kreis' })),
        name: Type.String(),
        ...Figures,
        missing: Type.Array(Missing, { description: 'zuständig, noch nicht live – nach Name' }),
      }),
      { description: 'je Landkreis und kreisfreier Stadt, nach Name' },
    ),
  },
  { description: 'Abdeckung der Lösung nach Kreis' },
);
