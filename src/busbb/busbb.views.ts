import { Type } from 'typebox';
import { Nullable, Timestamp } from '../http/response.schemas.ts';
import { FreeObject } from '../validation/common.schemas.ts';
import { RECONCILIATION_CATEGORIES } from './reconciliation.compare.ts';

/** What the BUS-BB routes answer (camelCase views; the schema drops anything undeclared). */

export const Category = Type.Enum([...RECONCILIATION_CATEGORIES], {
  description: 'bestaetigt: gemeldet und im Export gefunden; gemeldet-nicht-gefunden; gefunden-nicht-gemeldet; fehlt: weder noch',
});

const RecordCount = Type.Object({ total: Type.Integer(), valid: Type.Integer() });

const Summary = Type.Object(
  {
    quelle: Type.Optional(Type.String()),
    exportiertAm: Type.Optional(Type.String()),
    records: Type.Object({ leistungen: RecordCount, zustaendigkeiten: RecordCount, onlinedienste: RecordCount }, { description: 'Datensätze im Export: alle und gültige' }),
    leikaKeys: Type.Array(Type.String(), { description: 'LeiKa-Schlüssel der Lösung' }),
    leistungIds: Type.Array(Type.String(), { description: 'Leistungs-IDs des Exports mit einem dieser LeiKa-Schlüssel' }),
    participants: Type.Integer(),
    categories: Type.Record(Type.String(), Type.Integer(), { description: 'Teilnehmende je Kategorie' }),
    invalid: Type.Integer({ description: 'ungültige Datensätze (in issues, höchstens 1000 einzeln)' }),
    changes: Type.Integer({ description: 'Teilnehmende, deren Kategorie sich seit dem vorigen Abgleich geändert hat' }),
  },
  { description: 'Zusammenfassung' },
);

const reconciliationFields = {
  id: Type.String({ format: 'uuid' }),
  solutionId: Type.String({ format: 'uuid' }),
  previousId: Nullable(Type.String({ format: 'uuid', description: 'der vorige Abgleich der Lösung, mit dem verglichen wurde' })),
  sourceName: Type.String(),
  summary: Summary,
  createdBy: Type.String(),
  createdAt: Timestamp(),
  appliedBy: Nullable(Type.String()),
  appliedAt: Nullable(Timestamp()),
};

export const ReconciliationPage = Type.Object({
  total: Type.Integer({ description: 'Abgleiche insgesamt' }),
  items: Type.Array(Type.Object(reconciliationFields), { description: 'neueste zuerst' }),
});

const Change = Type.Object({ ars: Type.String(), from: Nullable(Category), to: Category });

export const ApplyResult = Type.Object(
  {
    moved: Type.Array(Type.Object({ ars: Type.String(), fromStage: Type.String(), historyId: Type.Integer() }), { description: 'nach bus-bb-verknuepft übernommen' }),
    notMoved: Type.Array(Type.Object({ ars: Type.String(), stage: Nullable(Type.String()), reason: Type.String() }), { description: 'gefunden, aber im Stadium nicht übernehmbar' }),
  },
  { description: 'Ergebnis der Anwendung' },
);

export const ReconciliationView = Type.Object(
  {
    ...reconciliationFields,
    issues: Type.Array(Type.Object({ pointer: Type.String({ description: 'JSON-Pointer in den Export, z. B. /zustaendigkeiten/17' }), reason: Type.String() }), {
      description: 'ungültige Datensätze (nicht übernommen)',
    }),
    changes: Type.Array(Change, { description: 'Kategorien, die sich seit dem vorigen Abgleich geändert haben' }),
    applyResult: Nullable(ApplyResult),
    participants: Type.Array(
      Type.Object({
        ars: Type.String(),
        name: Type.String(),
        kind: Type.String(),
        category: Category,
        previousCategory: Nullable(Category),
        stage: Type.String({ description: 'Stadium der Teilnahme beim Abgleich' }),
        details: FreeObject('gemeldet, gefunden, gefundenUeber, mitgliedsgemeinden, onlinedienste, oeZustaendigkeit'),
      }),
    ),
  },
  { description: 'Abgleich mit einem PVOG/BUS-BB-Export' },
);

export const ApplyView = Type.Object(
  { reconciliationId: Type.String({ format: 'uuid' }), appliedAt: Timestamp(), appliedBy: Type.String(), ...ApplyResult.properties },
  { description: 'angewandt' },
);

export const LeistungsbeschreibungenView = Type.Object(
  {
    allConfirmed: Type.Boolean({ description: 'für jeden LeiKa-Schlüssel der Lösung bestätigt' }),
    items: Type.Array(
      Type.Object({
        leikaKey: Type.String(),
        bestaetigt: Type.Boolean(),
        confirmedBy: Nullable(Type.String()),
        confirmedAt: Nullable(Timestamp()),
        note: Nullable(Type.String()),
      }),
    ),
  },
  { description: 'Leistungsbeschreibungen im BUS-BB je LeiKa-Schlüssel' },
);
