import { initialTransition } from 'xstate';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { participantMachine, PARTICIPANT_MACHINE_VERSION } from '../../workflows/index.ts';

/** Participants per INSERT: a few hundred kilobytes of parameters, well under any statement limit. */
const INSERT_CHUNK = 5_000;

function persistedInitial(ars: string): Record<string, unknown> {
  const [snapshot] = initialTransition(participantMachine, { ars });
  return JSON.parse(JSON.stringify(participantMachine.getPersistedSnapshot(snapshot as never)));
}

let template: { version: number; snapshot: Record<string, unknown>; stage: string } | null = null;

/**
 * The persisted initial snapshot of the current participant machine, the same for every
 * participant but for `context.ars`, computed once. Checked when first computed: two
 * authorities' initial snapshots differ in nothing but their ARS – a machine whose start
 * depended on more would fail here instead of giving every participant the wrong one.
 */
export function initialParticipantTemplate(): { version: number; snapshot: Record<string, unknown>; stage: string } {
  if (template?.version === PARTICIPANT_MACHINE_VERSION) return template;
  const first = persistedInitial('000000000001');
  const second = persistedInitial('000000000002');
  const context = second.context as Record<string, unknown>;
  if (JSON.stringify({ ...second, context: { ...context, ars: '000000000001' } }) !== JSON.stringify(first)) {
    throw new Error('participant machine: the initial snapshot depends on more than the ARS; it cannot be built once for all');
  }
  template = { version: PARTICIPANT_MACHINE_VERSION, snapshot: first, stage: String(first.value) };
  return template;
}

/** The persisted initial snapshot of one participant, as the engine would have created it. */
export function initialParticipantSnapshot(ars: string): Record<string, unknown> {
  const { snapshot } = initialParticipantTemplate();
  return { ...snapshot, context: { ...(snapshot.context as Record<string, unknown>), ars } };
}

/**
 * Inserts the participants of a solution in their initial stage, set-based: the snapshot
 * is computed once and each row gets it with its own ARS (`jsonb_set` in the statement),
 * INSERT_CHUNK participants per statement – a nationwide solution's 11,000 are three
 * statements instead of 11,000 machine starts.
 */
export async function insertInitialParticipants(trx: Transaction<Database>, solutionId: string, participants: readonly string[]): Promise<void> {
  const { version, snapshot, stage } = initialParticipantTemplate();
  const json = JSON.stringify(snapshot);
  for (let offset = 0; offset < participants.length; offset += INSERT_CHUNK) {
    const chunk = participants.slice(offset, offset + INSERT_CHUNK);
    await sql`
      insert into participant (solution_id, ars, stage, snapshot, machine_version)
      select ${solutionId}::uuid, a.ars, ${stage}, jsonb_set(${json}::jsonb, '{context,ars}', to_jsonb(a.ars)), ${version}::int
      from unnest(${chunk}::text[]) as a(ars)`.execute(trx);
  }
}
