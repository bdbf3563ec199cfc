import { Type } from 'typebox';
import { Nullable, Timestamp } from '../http/response.schemas.ts';

/** What the wave routes answer (camelCase; the schemas also drop whatever a view does not declare). */

const waveFields = {
  id: Type.String({ format: 'uuid' }),
  solutionId: Type.String({ format: 'uuid' }),
  name: Type.String(),
  targetDate: Nullable(Type.String({ format: 'date', description: 'Zieltermin der Welle' })),
  fristTage: Nullable(Type.Integer({ description: 'Antwortfrist der Einladung in Tagen' })),
  state: Type.Enum(['planned', 'started'], { description: 'planned: geplant, Mitglieder änderbar; started: eingeladen' }),
  memberCount: Type.Integer(),
  createdBy: Type.String(),
  createdAt: Timestamp(),
  startedBy: Nullable(Type.String()),
  startedAt: Nullable(Timestamp()),
};

export const WaveView = Type.Object(waveFields, { description: 'Welle' });

export const WaveChangeView = Type.Object(
  {
    ...waveFields,
    added: Type.Integer({ description: 'neu aufgenommen' }),
    moved: Type.Integer({ description: 'aus einer anderen geplanten Welle hierher verschoben' }),
    unchanged: Type.Integer({ description: 'waren schon Mitglied' }),
  },
  { description: 'Welle nach der Änderung' },
);

const memberFields = {
  ars: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  kreisArs: Nullable(Type.String()),
  stage: Type.String({ description: 'Stadium der Teilnahme' }),
};

export const WaveDetailView = Type.Object(
  {
    ...waveFields,
    members: Type.Array(Type.Object({ ...memberFields, addedBy: Type.String(), addedAt: Timestamp() })),
  },
  { description: 'Welle mit Mitgliedern' },
);

export const WaveList = Type.Object({ items: Type.Array(WaveView) }, { description: 'Wellen der Lösung' });

export const UnplannedPage = Type.Object(
  { total: Type.Integer(), items: Type.Array(Type.Object(memberFields)) },
  { description: 'Teilnehmende in keiner Welle, die noch nicht live oder ausgenommen sind' },
);

export const WaveStartedView = Type.Object(
  {
    wave: WaveView,
    historyId: Type.Integer({ description: 'WELLE_STARTEN im Verlauf der Lösung' }),
    deadline: Type.String({ format: 'date', description: 'Antwortfrist (heute + fristTage)' }),
    mailing: Nullable(
      Type.Object({
        mailingId: Type.String({ format: 'uuid' }),
        messages: Type.Integer(),
        withoutAddress: Type.Array(Type.String(), { description: 'Mitglieder ohne E-Mail-Adresse' }),
      }),
    ),
    notInvited: Type.Array(Type.Object({ ars: Type.String(), stage: Type.String() }), {
      description: 'Mitglieder, die seit der Planung ein Stadium erreicht haben, in dem EINLADEN sie nicht erreicht (z. B. ausgeschlossen): weder eingeladen noch angeschrieben',
    }),
  },
  { description: 'gestartet; die Einladungen (EINLADEN) folgen als Auftrag nach dem Commit' },
);

export const WaveProgressView = Type.Object(
  {
    waveId: Type.String({ format: 'uuid' }),
    name: Type.String(),
    state: Type.Enum(['planned', 'started']),
    targetDate: Nullable(Type.String({ format: 'date' })),
    startedAt: Nullable(Timestamp()),
    antwortfristBis: Nullable(Timestamp('Start + fristTage')),
    members: Type.Integer(),
    byStage: Type.Record(Type.String(), Type.Integer(), { description: 'Mitglieder je Stadium' }),
    readiness: Type.Object(
      { bereit: Type.Integer(), bereitAb: Type.Integer(), nichtBereit: Type.Integer(), keineAntwort: Type.Integer() },
      { description: 'Bereitschaftsantworten' },
    ),
    nichtBereitGruende: Type.Record(Type.String(), Type.Integer(), { description: 'worauf die nicht bereiten warten (Fachverfahren, ePayment, BundID …)' }),
    erwarteterStartProMonat: Type.Array(Type.Object({ month: Type.String({ description: 'JJJJ-MM' }), count: Type.Integer() }), {
      description: '„bereit ab“ je Monat',
    }),
    overdue: Type.Object(
      { count: Type.Integer(), authorities: Type.Array(Type.Object({ ars: Type.String(), name: Type.String() })) },
      { description: 'Frist verstrichen, noch eingeladen und ohne Bereitschaftsantwort' },
    ),
    blockiert: Type.Object(
      {
        count: Type.Integer(),
        authorities: Type.Array(
          Type.Object({
            ars: Type.String(),
            name: Type.String(),
            ticketCount: Type.Integer({ description: 'so viele offene blockierende Tickets bei der Kaz' }),
            tickets: Type.Optional(
              Type.Array(Type.Object({ id: Type.String({ format: 'uuid' }), number: Type.Integer(), title: Type.String() }), {
                description: 'nur für Rollen mit Zugang zu Tickets (Admin, Ministerium, Kaz); die Landesredaktion erfährt nur die Anzahl',
              }),
            ),
          }),
        ),
      },
      { description: 'Mitglieder mit offenem blockierendem Ticket bei der Kaz: gehen nicht live, bis es gelöst ist' },
    ),
  },
  { description: 'Stand einer Welle' },
);
