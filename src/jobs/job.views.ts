import { Type } from 'typebox';
import type { Selectable } from 'kysely';
import type { JobTable } from '../db/schema.ts';
import { Nullable, Timestamp } from '../http/response.schemas.ts';
import { FreeObject } from '../validation/common.schemas.ts';

/** What the operators' job listing answers: counts per kind and status, and the latest jobs as views. */

export const JOB_STATUSES = ['pending', 'running', 'waiting', 'done', 'failed', 'cancelled'] as const;

const JobStatusSchema = Type.Enum([...JOB_STATUSES], {
  description: 'pending: wartet auf seine Zeit · running: läuft · waiting: wartet auf FORTSETZEN der pausierten Lösung · done · failed: aufgegeben · cancelled: durch einen Übergang hinfällig',
});

export const JobView = Type.Object(
  {
    id: Type.Integer(),
    kind: Type.String({ description: 'z. B. mail.send, mailing.reminder, timer.deliverEvent, effect.…' }),
    status: JobStatusSchema,
    priority: Type.Integer({ description: 'kleiner läuft zuerst (0 Fristen und Effekte, 5 normal, 10 Massenversand)' }),
    payload: FreeObject('Angaben des Auftrags (Nummern, keine Geheimnisse)'),
    solutionId: Nullable(Type.String({ format: 'uuid' })),
    ars: Nullable(Type.String()),
    runAt: Timestamp('fällig ab'),
    attempts: Type.Integer({ minimum: 0 }),
    maxAttempts: Type.Integer({ minimum: 1 }),
    lockedBy: Nullable(Type.String({ description: 'Instanz, die den Auftrag gerade ausführt' })),
    lockedUntil: Nullable(Timestamp()),
    lastError: Nullable(Type.String()),
    createdAt: Timestamp(),
    finishedAt: Nullable(Timestamp()),
  },
  { description: 'Hintergrundauftrag' },
);

export const JobOverview = Type.Object({
  counts: Type.Array(Type.Object({ kind: Type.String(), status: JobStatusSchema, n: Type.Integer({ minimum: 0 }) }), {
    description: 'Anzahl je Art und Status',
  }),
  items: Type.Array(JobView, { description: 'die jüngsten Aufträge, neueste zuerst' }),
});

const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

export function toJobView(row: Selectable<JobTable>) {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    priority: row.priority,
    payload: row.payload,
    solutionId: row.solution_id,
    ars: row.ars,
    runAt: row.run_at.toISOString(),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    lockedBy: row.locked_by,
    lockedUntil: isoOrNull(row.locked_until),
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    finishedAt: isoOrNull(row.finished_at),
  };
}
