import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { EngineDeps } from '../engine/workflow.engine.ts';
import { LARGE_JSON_BODY_LIMIT_BYTES } from '../http/body-limits.ts';
import type { MailingSettings } from '../mailings/mailing.service.ts';
import type { StaffFrame } from './staff.layout.ts';

/** What the route modules of a solution's forms and mailings share (solution-settings.routes.ts registers them). */
export interface SolutionFormPagesDeps {
  db: Kysely<Database>;
  engine: EngineDeps;
  frame: (request: FastifyRequest, reply: FastifyReply, title: string, path: string) => StaffFrame;
  formGuards: NonNullable<RouteShorthandOptions['preHandler']>;
  /** What sending a mailing needs: the multipliers, the Message-ID domain, the public URL of the links, the worker's wake-up. */
  mail: { settings: MailingSettings; publicBaseUrl: string; wake?: () => void };
}

/** The forms carry mail texts of up to 150,000 characters and lists of 20,000 ARS. */
export const LARGE_FORM = { bodyLimit: LARGE_JSON_BODY_LIMIT_BYTES } as const;
/** The line at a field whose characters the form parser took out (form-body.ts). */
export const DAMAGED_MESSAGE = 'enthielt Zeichen, die nicht gespeichert werden können (Steuerzeichen oder fehlerhafte Kodierung); bitte prüfen Sie den Text';
