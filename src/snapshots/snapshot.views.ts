import { Type } from 'typebox';
import { Nullable, Timestamp } from '../http/response.schemas.ts';

/** What the snapshot routes answer (camelCase; the schemas drop whatever a view does not declare). */

export const QuarterText = (description: string) => Type.String({ pattern: '^\\d{4}-Q[1-4]$', maxLength: 7, description });

const Counts = Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description: 'Teilnehmende je Stadium' });
const Totals = Type.Object(
  {
    participants: Type.Integer({ minimum: 0, description: 'Teilnehmende' }),
    responsible: Type.Integer({ minimum: 0, description: 'zuständig (nicht „nicht-zustaendig“, nicht „ausgeschlossen“)' }),
    live: Type.Integer({ minimum: 0, description: 'live (pilot-live, live)' }),
  },
  { description: 'Summen' },
);

const summaryFields = {
  quarter: QuarterText('Quartal, dessen Ende der Stand festhält'),
  takenAt: Timestamp('festgehalten am (der Stichtag; später, wenn nachgeholt)'),
  takenBy: Type.String({ description: 'system (der Quartalsjob) oder wer ihn nachgeholt hat' }),
  totals: Totals,
  stages: Counts,
};

export const SnapshotSummaryView = Type.Object(summaryFields, { description: 'Quartalsstand (Zusammenfassung)' });
export const SnapshotList = Type.Object({ items: Type.Array(SnapshotSummaryView, { description: 'neueste zuerst' }) });
export const SnapshotTaken = Type.Object({ created: Type.Boolean({ description: 'false: der Stand war schon festgehalten' }), snapshot: SnapshotSummaryView });

const Move = Type.Object({
  ars: Type.String(),
  name: Type.String(),
  kreisArs: Type.String(),
  from: Nullable(Type.String({ description: 'Stadium vorher; null: war noch nicht teilnehmend' })),
  to: Nullable(Type.String({ description: 'Stadium nachher; null: nicht mehr teilnehmend' })),
});

const Comparison = (description: string) =>
  Type.Object(
    {
      totalsBefore: Totals,
      totalsAfter: Totals,
      stages: Type.Array(Type.Object({ stage: Type.String(), before: Type.Integer(), after: Type.Integer(), delta: Type.Integer() })),
      kreise: Type.Array(
        Type.Object({
          kreisArs: Type.String(),
          kreisName: Type.String(),
          responsibleBefore: Type.Integer(),
          responsibleAfter: Type.Integer(),
          liveBefore: Type.Integer(),
          liveAfter: Type.Integer(),
        }),
      ),
      moved: Type.Array(Move, { description: 'jede Behörde, deren Stadium sich geändert hat' }),
      wentLive: Type.Array(Move, { description: 'davon live gegangen' }),
      left: Type.Array(Move, { description: 'davon ausgeschieden (abgelehnt, ausgeschlossen)' }),
    },
    { description },
  );

export const SnapshotDetailView = Type.Object(
  {
    ...summaryFields,
    data: Type.Object(
      {
        participants: Type.Record(Type.String(), Type.Object({ stage: Type.String(), kreisArs: Type.String() }), { description: 'je ARS: Stadium und Kreis' }),
        stages: Counts,
        kreise: Type.Record(Type.String(), Type.Object({ responsible: Type.Integer(), live: Type.Integer() }), { description: 'je Kreis-ARS' }),
        totals: Totals,
      },
      { description: 'der festgehaltene Stand' },
    ),
    previous: Nullable(Type.Object({ quarter: Type.String(), takenAt: Timestamp() }, { description: 'der Stand davor, falls es einen gibt' })),
    comparison: Comparison('was sich seit dem Stand davor bewegt hat (beim ersten: seit dem Beginn)'),
    sinceThen: Comparison('was sich seit diesem Stichtag bis jetzt bewegt hat'),
  },
  { description: 'Quartalsstand mit Vergleich' },
);
