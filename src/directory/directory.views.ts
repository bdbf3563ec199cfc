import { Type, type Static } from 'typebox';
import type { Selectable } from 'kysely';
import type { Authority, DirectoryImportTable } from '../db/schema.ts';
import { Nullable, Timestamp } from '../http/response.schemas.ts';

/**
 * What the directory routes answer: view objects in the API's camelCase, mapped from
 * the rows, with the response schemas that document them (and make Fastify drop any
 * field a view does not declare).
 */

const Count = Type.Integer({ minimum: 0 });

export const AuthorityView = Type.Object(
  {
    ars: Type.String({ description: 'Amtlicher Regionalschlüssel (12 Stellen)' }),
    ags: Nullable(Type.String({ description: 'Amtlicher Gemeindeschlüssel (8 Stellen); null bei Ämtern und Verbänden' })),
    name: Type.String(),
    kind: Type.String({ description: 'Art, z. B. amt, amtsfreie_gemeinde, amtsangehoerige_gemeinde, kreisfreie_stadt, landkreis' }),
    parentArs: Nullable(Type.String({ description: 'übergeordnete Stelle (Amt, Landkreis)' })),
    kreisArs: Nullable(Type.String({ description: 'Landkreis oder kreisfreie Stadt, in der die Behörde liegt' })),
    land: Type.String({ description: 'Land (Brandenburg: 12)' }),
    population: Nullable(Type.Integer({ minimum: 0 })),
    latitude: Nullable(Type.Number()),
    longitude: Nullable(Type.Number()),
    email: Nullable(Type.String({ description: 'Adresse für die Mails (aus dem Kommunalverzeichnis)' })),
    active: Type.Boolean({ description: 'false: fehlt im letzten Import' }),
    lastImportId: Nullable(Type.Integer({ description: 'Import, der die Behörde zuletzt geliefert hat' })),
    updatedAt: Timestamp(),
  },
  { description: 'Behörde aus dem Kommunalverzeichnis' },
);

export const AuthorityPage = Type.Object({ total: Count, items: Type.Array(AuthorityView) }, { description: 'Treffer, nach Name' });

export const AuthorityDetailView = Type.Object(
  { ...AuthorityView.properties, children: Type.Array(AuthorityView, { description: 'untergeordnete Stellen (Mitgliedsgemeinden eines Amts, Ämter und Gemeinden eines Landkreises)' }) },
  { description: 'Behörde mit ihren untergeordneten Stellen' },
);

const SkippedRows = Type.Object(
  { total: Count, byOrganisationsart: Type.Record(Type.String(), Count) },
  { description: 'übersprungene Zeilen je organisationsart (null bei Importen vor dieser Angabe)' },
);
const ImportChanges = Type.Object({ new: Count, changed: Count, unchanged: Count, deactivated: Count, reactivated: Count });

/** What an import recorded beside its counts (migration 0004; older imports have none of it). */
interface ImportDetails {
  encoding?: string;
  skipped?: Static<typeof SkippedRows>;
  changes?: Static<typeof ImportChanges>;
  deactivationAllowed?: boolean;
}

export const DirectoryImportView = Type.Object(
  {
    id: Type.Integer(),
    format: Type.String({ description: 'kvdaten oder destatis' }),
    sourceName: Type.String(),
    counts: Type.Record(Type.String(), Count, { description: 'importierte Behörden je Art' }),
    deactivated: Count,
    encoding: Nullable(Type.String({ description: 'Kodierung der Datei (null bei Importen vor dieser Angabe)' })),
    skipped: Nullable(SkippedRows),
    changes: Nullable(ImportChanges),
    deactivationAllowed: Type.Boolean({ description: 'mit erlaubeDeaktivierung=true importiert' }),
    importedAt: Timestamp(),
  },
  { description: 'Ein Import des Kommunalverzeichnisses' },
);

export const DirectoryImportList = Type.Array(DirectoryImportView, { description: 'die letzten Importe, neueste zuerst' });

export function toAuthorityView(row: Authority) {
  return {
    ars: row.ars,
    ags: row.ags,
    name: row.name,
    kind: row.kind,
    parentArs: row.parent_ars,
    kreisArs: row.kreis_ars,
    land: row.land,
    population: row.population,
    latitude: row.latitude,
    longitude: row.longitude,
    email: row.email,
    active: row.active,
    lastImportId: row.last_import_id,
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toDirectoryImportView(row: Selectable<DirectoryImportTable>) {
  const details = row.details as ImportDetails;
  return {
    id: row.id,
    format: row.format,
    sourceName: row.source_name,
    counts: row.counts,
    deactivated: row.deactivated,
    encoding: details.encoding ?? null,
    skipped: details.skipped ?? null,
    changes: details.changes ?? null,
    deactivationAllowed: details.deactivationAllowed === true,
    importedAt: row.imported_at.toISOString(),
  };
}
