import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ACCESS } from '../auth/roles.ts';
import { DeactivationRefusedError, importDirectory } from '../directory/directory.import.ts';
import { putBackStagedUpload, stageDirectoryUpload, StagedUploadExpiredError, takeStagedUpload } from '../directory/directory-upload.stage.ts';
import { DIRECTORY_UPLOAD_LIMIT_BYTES } from '../directory/directory.routes.ts';
import { listImports } from '../directory/directory.repository.ts';
import { toDirectoryImportView } from '../directory/directory.views.ts';
import { InvalidInputError, NotFoundError, type FieldError } from '../errors/domain.errors.ts';
import { sendHtml } from './layout.ts';
import { APPLY_PATH, DIRECTORY_PATH, DRY_RUN_PATH, renderDirectoryPage, renderDryRunPage, renderStageGonePage, type DirectoryPageView } from './directory-upload.page.ts';
import { registerUploadContext, textField, uploadConfig, uploadedFile, type UploadGuard } from './upload.form.ts';
import type { StaffFrame } from './staff.layout.ts';
import { HIDDEN, isUuid } from './staff-route.kit.ts';

/**
 * The admin's Kommunalverzeichnis page: the API's import list, and the upload as a dry
 * run first (importDirectory with dryRun, as POST /admin/directory/imports?probelauf=true),
 * the checked file kept in the database (directory-upload.stage.ts) until the admin
 * applies exactly it – with erlaubeDeaktivierung where the import would deactivate more
 * than it may without. Only the dry run takes multipart.
 */

export interface DirectoryPagesDeps {
  db: Kysely<Database>;
  frame: (request: FastifyRequest, reply: FastifyReply, title: string, path: string) => StaffFrame;
  formGuards: NonNullable<RouteShorthandOptions['preHandler']>;
  /** The same-origin check, run on the upload before its body is read. */
  sameOrigin: UploadGuard;
  uploadLimitBytes?: number | undefined;
  /** The service's clock (tests move it): a checked file expires an hour after its upload. */
  now: () => Date;
}

const CONFIG = { staffRoles: ACCESS.admin };
const SHOWN_ERRORS = 10;
const SOURCE_NAME_MAX = 200;

/** The file's name for the import list: one line, at most 200 characters. */
const sourceNameOf = (filename: string) => filename.replace(/[\p{Cc}\p{Cf}]/gu, '').trim().slice(0, SOURCE_NAME_MAX) || 'upload';

export function registerDirectoryPageRoutes(app: FastifyInstance, deps: DirectoryPagesDeps): void {
  const { db, frame, formGuards } = deps;
  const limit = deps.uploadLimitBytes ?? DIRECTORY_UPLOAD_LIMIT_BYTES;
  const { now } = deps;

  async function showList(request: FastifyRequest, reply: FastifyReply, status: number, extra: Partial<DirectoryPageView> = {}) {
    const imports = (await listImports(db, { limit: 20 })).map(toDirectoryImportView);
    const view: DirectoryPageView = { imports, csrf: reply.generateCsrf(), limitMiB: Math.round(limit / 1024 / 1024), ...extra };
    return sendHtml(reply, status, renderDirectoryPage(frame(request, reply, status >= 400 ? 'Fehler: Kommunalverzeichnis' : 'Kommunalverzeichnis', DIRECTORY_PATH), view));
  }

  app.get(DIRECTORY_PATH, { ...HIDDEN, config: CONFIG }, async (request, reply) => {
    const done = Number((request.query as Record<string, unknown>).importiert);
    return showList(request, reply, 200, Number.isSafeInteger(done) && done > 0 ? { notice: `Die Datei ist übernommen: Import Nr. ${done}.` } : {});
  });

  registerUploadContext(app, deps.sameOrigin, (context) => {
    context.post(DRY_RUN_PATH, { ...HIDDEN, config: { ...CONFIG, ...uploadConfig(limit) }, preHandler: formGuards }, async (request, reply) => {
      const file = uploadedFile(request.body, 'datei');
      const land = textField(request.body, 'land');
      const refuse = (status: number, errors: FieldError[]) => showList(request, reply, status, { errors, land: /^\d{0,2}$/.test(land) ? land : '' });
      if (land && !/^\d{2}$/.test(land)) return refuse(422, [{ field: 'land', message: 'Land: bitte zwei Ziffern, z. B. 12, oder leer lassen.' }]);
      if (!file || file.bytes.length === 0) {
        return refuse(422, [{ field: 'datei', message: file?.filename ? `Datei: „${file.filename}“ ist leer.` : 'Datei: bitte wählen Sie die Datei des Kommunalverzeichnisses aus.' }]);
      }
      if (file.truncated) return refuse(413, [{ field: 'datei', message: `Datei: „${file.filename}“ ist größer als ${Math.round(limit / 1024 / 1024)} MiB.` }]);
      const sourceName = sourceNameOf(file.filename);
      let summary;
      try {
        summary = await importDirectory(db, { content: file.bytes, sourceName, ...(land ? { land } : {}), dryRun: true, logger: request.log });
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        const errors = error.errors.slice(0, SHOWN_ERRORS).map((e) => ({ field: 'datei', message: `Datei „${sourceName}“, ${e.field}: ${e.message}` }));
        if (error.errors.length > SHOWN_ERRORS) errors.push({ field: 'datei', message: `und ${error.errors.length - SHOWN_ERRORS} weitere Fehler` });
        return refuse(422, errors);
      }
      const staged = await stageDirectoryUpload(db, { tokenId: request.principal!.tokenId, content: file.bytes, sourceName, land: land || null, now: now() });
      const page = renderDryRunPage(frame(request, reply, `Probelauf: ${sourceName}`, DIRECTORY_PATH), { summary, stageId: staged.id, sourceName, sha256: staged.sha256, csrf: reply.generateCsrf() });
      return sendHtml(reply, 200, page);
    });
  });

  app.post(APPLY_PATH, { ...HIDDEN, config: CONFIG, preHandler: formGuards }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const id = typeof body.pruefung === 'string' ? body.pruefung : '';
    const tokenId = request.principal!.tokenId;
    const gone = (status: 404 | 410, message: string) => sendHtml(reply, status, renderStageGonePage(frame(request, reply, 'Geprüfte Datei nicht verfügbar', DIRECTORY_PATH), status, message));
    let staged;
    try {
      if (!isUuid(id)) throw new NotFoundError('Das Formular nennt keine geprüfte Datei.');
      staged = await takeStagedUpload(db, { id, tokenId, now: now() });
    } catch (error) {
      if (error instanceof NotFoundError) return gone(404, error.detail);
      if (error instanceof StagedUploadExpiredError) return gone(410, error.message);
      throw error;
    }
    try {
      const summary = await importDirectory(db, {
        content: staged.content,
        sourceName: staged.sourceName,
        ...(staged.land ? { land: staged.land } : {}),
        allowDeactivation: body.erlaubeDeaktivierung === 'ja',
        dryRun: false,
        logger: request.log,
      });
      return reply.redirect(`${DIRECTORY_PATH}?importiert=${summary.importId}`, 303);
    } catch (error) {
      await putBackStagedUpload(db, tokenId, staged);
      if (!(error instanceof DeactivationRefusedError)) throw error;
      const page = renderDryRunPage(frame(request, reply, `Nicht übernommen: ${staged.sourceName}`, DIRECTORY_PATH), {
        summary: error.summary,
        stageId: staged.id,
        sourceName: staged.sourceName,
        sha256: staged.sha256,
        csrf: reply.generateCsrf(),
        refusal: `${error.detail} Nichts wurde geändert. Wenn die Deaktivierung gewollt ist, bestätigen Sie sie unten ausdrücklich.`,
      });
      return sendHtml(reply, 409, page);
    }
  });
}
