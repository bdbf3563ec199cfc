import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * File uploads from a browser form (multipart/form-data), for the few staff routes that
 * take a file: registered in a context of their own, so that no other route parses
 * multipart. The parts arrive as the body's plain values – text fields as strings (the
 * CSRF value among them, which the form guards read as from any form), the file as an
 * UploadedFile – before the preHandlers run. A file larger than the route's limit is cut
 * off by the parser and marked `truncated`, never held in full. A POST from another site
 * is refused before any of its body is read (`beforeReading`, an onRequest hook).
 */

/** Runs before the body is read; answering ends the request there. */
export type UploadGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export interface UploadedFile {
  filename: string;
  bytes: Buffer;
  /** Larger than the route's limit: `bytes` are only the beginning. */
  truncated: boolean;
}

const FIELD_VALUE_MAX = 1024;

/** A route's config for a file of at most `fileSize` bytes, with a few short text fields beside it. */
export const uploadConfig = (fileSize: number) => ({
  multipartOptions: { limits: { fileSize, files: 1, fields: 8, parts: 9, fieldSize: FIELD_VALUE_MAX } },
});

async function readFilePart(this: unknown, part: MultipartFile): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of part.file) chunks.push(chunk as Buffer);
  const file: UploadedFile = { filename: part.filename, bytes: Buffer.concat(chunks), truncated: part.file.truncated };
  (part as unknown as { value: UploadedFile }).value = file;
}

/** Registers `routes` in a context that takes multipart/form-data; the file limits are per route (uploadConfig). */
export function registerUploadContext(app: FastifyInstance, beforeReading: UploadGuard, routes: (context: FastifyInstance) => void): void {
  app.register(async (context) => {
    context.addHook('onRequest', beforeReading);
    await context.register(fastifyMultipart, { attachFieldsToBody: 'keyValues', onFile: readFilePart, throwFileSizeLimit: false });
    routes(context);
  });
}

export function uploadedFile(body: unknown, name: string): UploadedFile | null {
  const value = (body as Record<string, unknown> | null)?.[name];
  return value && typeof value === 'object' && 'bytes' in value && Buffer.isBuffer((value as UploadedFile).bytes) ? (value as UploadedFile) : null;
}

export function textField(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | null)?.[name];
  return typeof value === 'string' ? value.trim() : '';
}
