import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { NotFoundError } from '../errors/domain.errors.ts';

/**
 * A directory file the admin checked in a dry run, kept in the database until they apply
 * it (or an hour has passed): the confirmation names only the stage's id, so it may reach
 * any instance, and what is applied are exactly the checked bytes (their SHA-256 is kept
 * beside them). Only the person who uploaded it may apply it; applying takes the row out
 * first, so that two clicks on two instances import once.
 */

type Db = Kysely<Database>;

export const STAGE_LIFETIME_MS = 60 * 60 * 1000;

/** No domain kind of its own: the web page answers 410 for it (the API never stages). */
export class StagedUploadExpiredError extends Error {
  constructor() {
    super('Die geprüfte Datei ist älter als eine Stunde und wurde verworfen. Bitte laden Sie sie noch einmal hoch.');
  }
}

export interface StagedUpload {
  id: string;
  content: Buffer;
  sha256: string;
  sourceName: string;
  land: string | null;
  createdAt: Date;
}

/** Keeps the checked file for `tokenId`; drops the stages that have expired meanwhile. */
export async function stageDirectoryUpload(db: Db, input: { tokenId: string; content: Uint8Array; sourceName: string; land: string | null; now: Date }): Promise<StagedUpload> {
  await db.deleteFrom('directory_upload_stage').where('created_at', '<', new Date(input.now.getTime() - STAGE_LIFETIME_MS)).execute();
  const content = Buffer.from(input.content);
  const staged = { id: randomUUID(), content, sha256: createHash('sha256').update(content).digest('hex'), sourceName: input.sourceName, land: input.land, createdAt: input.now };
  await db
    .insertInto('directory_upload_stage')
    .values({ id: staged.id, token_id: input.tokenId, content, sha256: staged.sha256, source_name: staged.sourceName, land: staged.land, created_at: staged.createdAt })
    .execute();
  return staged;
}

/**
 * Takes the stage out for applying: 404 when there is none of this person (another's, or
 * already applied), 410 when it has expired. `putBack` it when the import did not happen.
 */
export async function takeStagedUpload(db: Db, input: { id: string; tokenId: string; now: Date }): Promise<StagedUpload> {
  const row = await db.deleteFrom('directory_upload_stage').where('id', '=', input.id).where('token_id', '=', input.tokenId).returningAll().executeTakeFirst();
  if (!row) throw new NotFoundError('Diese geprüfte Datei gibt es nicht (mehr): Sie wurde bereits übernommen, oder sie gehört zu einer anderen Person.');
  if (row.created_at.getTime() + STAGE_LIFETIME_MS < input.now.getTime()) throw new StagedUploadExpiredError();
  const content = Buffer.from(row.content);
  if (createHash('sha256').update(content).digest('hex') !== row.sha256) throw new Error(`Gespeicherte Datei ${row.id}: Prüfsumme stimmt nicht`);
  return { id: row.id, content, sha256: row.sha256, sourceName: row.source_name, land: row.land, createdAt: row.created_at };
}

/** After a refused import: the same stage again, so that the admin may confirm once more. */
export async function putBackStagedUpload(db: Db, tokenId: string, staged: StagedUpload): Promise<void> {
  await db
    .insertInto('directory_upload_stage')
    .values({ id: staged.id, token_id: tokenId, content: staged.content, sha256: staged.sha256, source_name: staged.sourceName, land: staged.land, created_at: staged.createdAt })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** The stage's dry run is shown again on the confirmation step (the same person only). */
export async function getStagedUpload(db: Db, input: { id: string; tokenId: string; now: Date }): Promise<StagedUpload> {
  const row = await db.selectFrom('directory_upload_stage').selectAll().where('id', '=', input.id).where('token_id', '=', input.tokenId).executeTakeFirst();
  if (!row) throw new NotFoundError('Diese geprüfte Datei gibt es nicht (mehr).');
  if (row.created_at.getTime() + STAGE_LIFETIME_MS < input.now.getTime()) throw new StagedUploadExpiredError();
  return { id: row.id, content: Buffer.from(row.content), sha256: row.sha256, sourceName: row.source_name, land: row.land, createdAt: row.created_at };
}
