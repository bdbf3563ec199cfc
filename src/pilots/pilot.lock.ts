import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ConflictError, NotFoundError } from '../errors/domain.errors.ts';

type Trx = Transaction<Database>;

/** Stages in which an authority is a pilot or on its way to become one. */
export const PILOT_STAGES = ['pilot-kandidat', 'pilot-bestaetigt', 'pilot-live'] as const;
/** Stages in which a pilot's checklist still changes: after the go-live it is a record. */
export const CHECKLIST_EDITABLE_STAGES = ['pilot-kandidat', 'pilot-bestaetigt'] as const;

export interface LockedPilot {
  stage: string;
  machineVersion: number;
}

/**
 * Locks the participant row like the engine does for an event (FOR UPDATE), so that a
 * change of the pilot's checklist, meetings or support serialises with its events – the
 * go-live gate cannot see a checklist that changes before its commit.
 */
export async function lockPilot(trx: Trx, solutionId: string, ars: string, stages: readonly string[]): Promise<LockedPilot> {
  const row = await trx
    .selectFrom('participant')
    .select(['stage', 'machine_version'])
    .where('solution_id', '=', solutionId)
    .where('ars', '=', ars)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`Behörde ${ars} ist nicht Teilnehmerin dieser Lösung`);
  if (!stages.includes(row.stage)) {
    throw new ConflictError(
      `Behörde ${ars} ist im Stadium „${row.stage}“; das ist nur in den Stadien ${stages.join(', ')} möglich.`,
      { stage: row.stage },
    );
  }
  return { stage: row.stage, machineVersion: row.machine_version };
}
