import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Ars, LandKey, Paging } from '../validation/common.schemas.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { NotFoundError, InvalidInputError } from '../errors/domain.errors.ts';
import { DEACTIVATION_LIMIT_PER_LAND, DEACTIVATION_SHARE_PER_LAND, DEACTIVATIONS_LISTED, importDirectory } from './directory.import.ts';
import { getAuthorityByArs, getImport, listChildren, listImports, searchAuthorities } from './directory.repository.ts';
import { AuthorityDetailView, AuthorityPage, DirectoryImportList, DirectoryImportView, toAuthorityView, toDirectoryImportView } from './directory.views.ts';
import { problemResponses } from '../http/response.schemas.ts';
import { ACCESS } from '../auth/roles.ts';


/** The import list is a log for operators: at most this many per page. */
const IMPORTS_LISTED_MAX = 200;

/** Largest directory upload unless the app says otherwise (BODY_LIMIT_BYTES). */
export const DIRECTORY_UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024;

const Count = Type.Integer({ minimum: 0 });
const ImportSummarySchema = Type.Object(
  {
    importId: Type.Union([Type.Integer(), Type.Null()], { description: 'Nummer des Imports; null beim Probelauf und bei einer Ablehnung' }),
    dryRun: Type.Boolean({ description: 'Probelauf: nichts wurde geschrieben' }),
    format: Type.Union([Type.Literal('kvdaten'), Type.Literal('destatis')]),
    encoding: Type.Union([Type.Literal('utf-8'), Type.Literal('windows-1252'), Type.Literal('utf-16le'), Type.Literal('utf-16be')], {
      description: 'Kodierung der Datei; windows-1252 (Excel) wurde nach UTF-8 umgewandelt',
    }),
    counts: Type.Record(Type.String(), Count, { description: 'importierte Behörden je Art' }),
    total: Count,
    skipped: Type.Object(
      { total: Count, byOrganisationsart: Type.Record(Type.String(), Count) },
      { description: 'Zeilen ohne Kommunalverwaltung (Hochschulen, Kammern, Landesämter, Zweckverbände …): nicht importiert, je organisationsart gezählt' },
    ),
    changes: Type.Object(
      { new: Count, changed: Count, unchanged: Count, deactivated: Count, reactivated: Count },
      { description: 'was sich ändert (beim Probelauf: ändern würde)' },
    ),
    deactivated: Count,
    deactivations: Type.Array(Type.Object({ ars: Type.String(), name: Type.String(), kind: Type.String() }), {
      description: `die ersten ${DEACTIVATIONS_LISTED} zu deaktivierenden Behörden`,
    }),
    deactivationRefusal: Type.Union([Type.String(), Type.Null()], {
      description: 'warum der Import ohne erlaubeDeaktivierung=true abgelehnt wird (würde/wird); sonst null',
    }),
  },
);

export const directoryRoutes: FastifyPluginAsync<{ db: Kysely<Database>; uploadLimitBytes?: number }> = async (fastify, { db, uploadLimitBytes }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['Kommunalverzeichnis'];
  const anyRole = { roles: [...ACCESS.read] };

  // Directory files arrive as the raw CSV body.
  app.addContentTypeParser(['text/csv', 'application/octet-stream'], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.get(
    '/authorities',
    {
      config: anyRole,
      schema: {
        tags,
        operationId: 'searchAuthorities',
        summary: 'Behörden suchen (Name, ARS/AGS-Präfix, Art, übergeordnete Stelle, Landkreis)',
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 200 })),
          kind: Type.Optional(Type.String({ maxLength: 500, description: 'kommagetrennte Arten, z. B. amt,amtsfreie_gemeinde' })),
          parent: Type.Optional(Ars),
          landkreis: Type.Optional(Ars),
          land: Type.Optional(LandKey),
          active: Type.Optional(Type.Boolean()),
          ...Paging(50),
        }),
        response: { 200: AuthorityPage },
      },
    },
    async (request) => {
      const { q, kind, parent, landkreis, land, active, limit, offset } = request.query;
      const page = await searchAuthorities(db, {
        q,
        kind: kind?.split(',').map((k) => k.trim()).filter(Boolean),
        parentArs: parent,
        kreisArs: landkreis,
        land,
        active,
        limit,
        offset,
      });
      return { total: page.total, items: page.items.map(toAuthorityView) };
    },
  );

  app.get(
    '/authorities/:ars',
    {
      config: anyRole,
      schema: {
        tags,
        operationId: 'getAuthority',
        summary: 'Eine Behörde mit ihren untergeordneten Stellen',
        params: Type.Object({ ars: Ars }),
        response: { 200: AuthorityDetailView },
      },
    },
    async (request) => {
      const authority = await getAuthorityByArs(db, request.params.ars);
      if (!authority) throw new NotFoundError(`Keine Behörde mit ARS ${request.params.ars}`);
      return { ...toAuthorityView(authority), children: (await listChildren(db, request.params.ars)).map(toAuthorityView) };
    },
  );

  app.post(
    '/admin/directory/imports',
    {
      config: { roles: [...ACCESS.admin] },
      bodyLimit: uploadLimitBytes ?? DIRECTORY_UPLOAD_LIMIT_BYTES,
      schema: {
        operationId: 'importDirectory',
        tags,
        summary: 'Kommunalverzeichnis importieren (kvdaten.csv oder Destatis AuszugGV als CSV-Rohdaten)',
        description:
          'Nimmt die Datei als Rohdaten (Content-Type text/csv oder application/octet-stream), UTF-8 oder Windows-1252 (wird erkannt und umgewandelt). ' +
          'Kommunalverwaltungen werden nach ARS übernommen, andere Stellen der Datei (Hochschulen, Kammern, …) übersprungen und gezählt. ' +
          'Behörden der Länder der Datei, die darin fehlen, werden deaktiviert – mehr als ' +
          `${DEACTIVATION_LIMIT_PER_LAND} oder mehr als ${Math.round(DEACTIVATION_SHARE_PER_LAND * 100)} % der aktiven Behörden eines Landes nur mit erlaubeDeaktivierung=true (sonst 409, nichts geändert). ` +
          'probelauf=true zeigt die Änderungen, ohne etwas zu schreiben.',
        consumes: ['text/csv', 'application/octet-stream'],
        querystring: Type.Object({
          land: Type.Optional({ ...LandKey, description: 'nur dieses Land importieren' }),
          sourceName: Type.Optional(Type.String({ maxLength: 200, description: 'Name der Datei für die Importliste' })),
          erlaubeDeaktivierung: Type.Optional(
            Type.Boolean({ default: false, description: 'auch übernehmen, wenn mehr Behörden deaktiviert würden, als ohne Bestätigung erlaubt ist' }),
          ),
          probelauf: Type.Optional(Type.Boolean({ default: false, description: 'nur ausrechnen und zeigen, was sich ändern würde; nichts schreiben' })),
        }),
        // No `type`: the body arrives as bytes (a Buffer), not as a JSON string; this only documents it.
        body: {
          content: {
            'text/csv': { schema: { description: 'kvdaten.csv (;-getrennt) oder Destatis AuszugGV (,-getrennt)', contentMediaType: 'text/csv' } },
            'application/octet-stream': { schema: { description: 'dieselbe Datei als Bytes', contentMediaType: 'application/octet-stream' } },
          },
        },
        response: {
          200: { ...ImportSummarySchema, description: 'Probelauf: was sich ändern würde (nichts geschrieben)' },
          201: { ...ImportSummarySchema, description: 'importiert', headers: { location: Type.String({ description: 'URL des Imports in der Importliste' }) } },
          ...problemResponses({
            401: 'nicht angemeldet',
            403: 'nur für Admins',
            409: 'würde zu viele Behörden deaktivieren; nichts geändert. Das Feld `import` des Problems zeigt, was sich ändern würde (wie beim Probelauf)',
            413: 'Datei größer als BODY_LIMIT_BYTES',
            415: 'anderer Content-Type als text/csv oder application/octet-stream',
            422:
              'Datei unbrauchbar (Kodierung, NUL-Zeichen, abgeschnitten, fehlende Spalte, doppelter Schlüssel …); nichts geändert. ' +
              'errors[] nennt je Fehler field („line 17 / bezeichnung“), message und, wo bekannt, line (1 = Kopfzeile), column und position',
          }),
        },
      },
    },
    async (request, reply) => {
      if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
        throw new InvalidInputError('Die Anfrage enthält keine CSV-Datei', [{ field: '/body', message: 'CSV-Datei als Rohdaten senden (Content-Type: text/csv)' }]);
      }
      const dryRun = request.query.probelauf === true;
      const summary = await importDirectory(db, {
        content: request.body,
        sourceName: request.query.sourceName ?? 'upload',
        land: request.query.land,
        allowDeactivation: request.query.erlaubeDeaktivierung === true,
        dryRun,
        logger: request.log,
      });
      if (dryRun) return reply.code(200).send(summary);
      return reply.code(201).header('location', `/api/v1/admin/directory/imports/${summary.importId}`).send(summary);
    },
  );

  app.get(
    '/admin/directory/imports',
    {
      config: { roles: [...ACCESS.admin] },
      schema: {
        tags,
        operationId: 'listDirectoryImports',
        summary: 'Bisherige Importe, neueste zuerst',
        querystring: Type.Object(Paging(20, IMPORTS_LISTED_MAX)),
        response: { 200: DirectoryImportList },
      },
    },
    async (request) => (await listImports(db, request.query)).map(toDirectoryImportView),
  );

  app.get(
    '/admin/directory/imports/:id',
    {
      config: { roles: [...ACCESS.admin] },
      schema: {
        tags,
        operationId: 'getDirectoryImport',
        summary: 'Ein Import',
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Nummer des Imports' }) }),
        response: { 200: DirectoryImportView },
      },
    },
    async (request) => {
      const row = await getImport(db, request.params.id);
      if (!row) throw new NotFoundError(`Kein Import mit Nummer ${request.params.id}`);
      return toDirectoryImportView(row);
    },
  );
};
