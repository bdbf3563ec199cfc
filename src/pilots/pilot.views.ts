import { Type } from 'typebox';
import { PARTICIPANT_STAGES, PILOT_QUELLEN, SPITZENVERBAENDE } from '../../workflows/index.ts';
import { Nullable, Timestamp } from '../http/response.schemas.ts';
import { CHECKLIST_STATUSES } from './checklist.defaults.ts';

/** What the pilot routes answer (response schemas: documented, and nothing undeclared leaks). */

const Stage = Type.Enum([...PARTICIPANT_STAGES]);
const Day = (description: string) => Type.String({ format: 'date', description });

export const CandidatePage = Type.Object(
  {
    total: Type.Integer(),
    items: Type.Array(
      Type.Object({
        ars: Type.String(),
        name: Type.String(),
        kind: Type.String(),
        stage: Stage,
        quelle: Type.Enum([...PILOT_QUELLEN, 'unbekannt'], { description: 'selbst: Bewerbung über den Link; unbekannt: aus der Zeit vor der Erfassung der Quelle' }),
        spitzenverband: Nullable(Type.Enum([...SPITZENVERBAENDE])),
        vorgeschlagenVon: Nullable(Type.String()),
        vorgeschlagenAm: Nullable(Day('Tag des Vorschlags')),
        seit: Nullable(Timestamp('Kandidat seit')),
        entscheidung: Nullable(
          Type.Object({
            art: Type.Enum(['bestaetigt', 'zurueckgestellt', 'abgelehnt']),
            reason: Nullable(Type.String()),
            at: Timestamp(),
          }),
        ),
        liveOverride: Nullable(Type.String({ description: 'Go-live trotz offener Checkliste: Begründung' })),
        updatedAt: Timestamp(),
      }),
    ),
  },
  { description: 'Pilotkandidaten mit Quelle, seit wann und Stadium' },
);

const ChecklistItemDefinition = Type.Object({
  key: Type.String({ description: 'Schlüssel; eigene Punkte: eigen-<n>' }),
  label: Type.String(),
  optional: Type.Boolean(),
  eigen: Type.Boolean({ description: 'vom Ministerium ergänzt' }),
});

export const ChecklistDefinitionList = Type.Object({ items: Type.Array(ChecklistItemDefinition) }, { description: 'Punkte der Checkliste jedes Piloten' });
export const ChecklistItemDefinitionView = {
  ...ChecklistItemDefinition,
  description: 'angelegt',
  headers: { location: Type.String({ description: 'URL der Punkteliste der Lösung' }) },
};

export const ChecklistView = Type.Object(
  {
    ars: Type.String(),
    stage: Stage,
    offen: Type.Integer({ description: 'Punkte weder erledigt noch entfallen' }),
    vollstaendig: Type.Boolean({ description: 'true: der Go-live ist ohne override möglich' }),
    items: Type.Array(
      Type.Object({
        key: Type.String(),
        label: Type.String(),
        optional: Type.Boolean(),
        eigen: Type.Boolean(),
        status: Type.Enum([...CHECKLIST_STATUSES]),
        reason: Nullable(Type.String()),
        updatedBy: Nullable(Type.String({ description: 'wer zuletzt: ministerium:…, kaz:…, behoerde:…:link:pilotbetrieb' })),
        updatedAt: Nullable(Timestamp()),
      }),
    ),
  },
  { description: 'Checkliste einer Pilotbehörde' },
);

const Meeting = Type.Object({
  id: Type.String({ format: 'uuid' }),
  art: Type.Enum(['videokonferenz', 'telefonkonferenz', 'vor-ort']),
  datum: Day('Tag des Termins'),
  teilnehmende: Type.Array(Type.String()),
  notizen: Type.String(),
  folgeaufgaben: Type.Array(Type.String()),
  moderiertDurchKaz: Type.Boolean(),
  erfasstVon: Type.String(),
  erfasstAm: Timestamp(),
});
export const MeetingView = { ...Meeting, description: 'erfasst', headers: { location: Type.String({ description: 'URL der Terminliste' }) } };
export const MeetingPage = Type.Object({ total: Type.Integer(), items: Type.Array(Meeting) }, { description: 'Termine mit der Pilotbehörde, neueste zuerst' });

export const ItSupportView = Type.Object(
  {
    ars: Type.String(),
    zitBb: Type.Boolean({ description: 'ZIT-BB eingebunden' }),
    dikom: Type.Boolean({ description: 'über den ZIT-BB auch DIKOM eingebunden' }),
    seit: Nullable(Day('seit wann')),
    kontakt: Nullable(Type.String()),
    geaendertVon: Nullable(Type.String()),
    geaendertAm: Nullable(Timestamp()),
  },
  { description: 'Einbindung von ZIT-BB und DIKOM' },
);

export const LessonsLearnedPage = Type.Object(
  {
    total: Type.Integer(),
    items: Type.Array(
      Type.Object({
        nummer: Type.Integer({ description: 'laufende Nummer in der Lösung' }),
        thema: Nullable(Type.String()),
        text: Type.String(),
        pilotArs: Nullable(Type.String()),
        pilotName: Nullable(Type.String()),
        relevanz: Nullable(Type.Enum(['hoch', 'mittel', 'niedrig'])),
        erfasstAm: Nullable(Timestamp()),
      }),
    ),
  },
  { description: 'Lessons learned der Pilotphase' },
);
