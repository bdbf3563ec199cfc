import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { toJson, type Database, type MeetingKind, type PilotMeetingTable } from '../db/schema.ts';
import { NotFoundError } from '../errors/domain.errors.ts';
import { pageWithTotal } from '../db/query.helpers.ts';
import { lockPilot, PILOT_STAGES } from './pilot.lock.ts';
import { changeWithKey, recordChange } from '../engine/change.record.ts';

/**
 * The personal side of the pilot phase: meetings with a pilot (video, phone, on site,
 * moderated by the Kaz or not) and the involvement of ZIT-BB and, through it, DIKOM.
 * Every change writes a history row with the acting principal in its transaction.
 */

type Db = Kysely<Database>;


export interface MeetingInput {
  art: MeetingKind;
  datum: string;
  teilnehmende: string[];
  notizen?: string;
  folgeaufgaben?: string[];
  moderiertDurchKaz: boolean;
}

function meetingView(row: Selectable<PilotMeetingTable>) {
  return {
    id: row.id,
    art: row.kind,
    datum: row.held_on,
    teilnehmende: row.participants,
    notizen: row.notes,
    folgeaufgaben: row.follow_ups,
    moderiertDurchKaz: row.moderated_by_kaz,
    erfasstVon: row.created_by,
    erfasstAm: row.created_at.toISOString(),
  };
}

/** `idempotencyKey`: a form sent twice records one meeting (the pilot's row lock serialises the two). */
export async function createMeeting(db: Db, input: { solutionId: string; ars: string; meeting: MeetingInput; actor: string; at: Date; idempotencyKey?: string }) {
  return db.transaction().execute(async (trx) => {
    const pilot = await lockPilot(trx, input.solutionId, input.ars, PILOT_STAGES);
    const earlier = input.idempotencyKey ? await changeWithKey(trx, input.idempotencyKey) : null;
    if (earlier) {
      const row = await trx.selectFrom('pilot_meeting').selectAll().where('id', '=', String(earlier.meetingId)).executeTakeFirstOrThrow();
      return meetingView(row);
    }
    const { meeting } = input;
    const row = await trx
      .insertInto('pilot_meeting')
      .values({
        id: randomUUID(),
        solution_id: input.solutionId,
        ars: input.ars,
        kind: meeting.art,
        held_on: meeting.datum,
        participants: toJson(meeting.teilnehmende.map((name) => name.trim())),
        notes: meeting.notizen?.trim() ?? '',
        follow_ups: toJson((meeting.folgeaufgaben ?? []).map((task) => task.trim())),
        moderated_by_kaz: meeting.moderiertDurchKaz,
        created_by: input.actor,
        created_at: input.at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordChange(trx, {
      solutionId: input.solutionId,
      ars: input.ars,
      stage: pilot.stage,
      machineVersion: pilot.machineVersion,
      eventType: 'TERMIN_ERFASST',
      event: { meetingId: row.id, art: meeting.art, datum: meeting.datum, moderiertDurchKaz: meeting.moderiertDurchKaz },
      actor: input.actor,
      at: input.at,
      ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
    });
    return meetingView(row);
  });
}

async function assertParticipant(db: Db, solutionId: string, ars: string) {
  const found = await db.selectFrom('participant').select('stage').where('solution_id', '=', solutionId).where('ars', '=', ars).executeTakeFirst();
  if (!found) throw new NotFoundError(`Behörde ${ars} ist nicht Teilnehmerin dieser Lösung`);
}

export async function listMeetings(db: Db, solutionId: string, ars: string, paging: { limit: number; offset: number }) {
  await assertParticipant(db, solutionId, ars);
  const query = db.selectFrom('pilot_meeting').where('solution_id', '=', solutionId).where('ars', '=', ars);
  const { rows, total } = await pageWithTotal(query, (q) => q.selectAll().orderBy('held_on', 'desc').orderBy('created_at', 'desc'), paging);
  return { total, items: rows.map(meetingView) };
}


export interface ItSupportInput {
  zitBb: boolean;
  dikom: boolean;
  seit?: string;
  kontakt?: string;
}

const NO_SUPPORT = { zitBb: false, dikom: false, seit: null, kontakt: null, geaendertVon: null, geaendertAm: null };

export async function getItSupport(db: Db, solutionId: string, ars: string) {
  await assertParticipant(db, solutionId, ars);
  const row = await db.selectFrom('pilot_it_support').selectAll().where('solution_id', '=', solutionId).where('ars', '=', ars).executeTakeFirst();
  return row ? itSupportView(row) : { ars, ...NO_SUPPORT };
}

function itSupportView(row: { ars: string; zit_bb: boolean; dikom: boolean; since: string | null; contact: string | null; updated_by: string; updated_at: Date }) {
  return {
    ars: row.ars,
    zitBb: row.zit_bb,
    dikom: row.dikom,
    seit: row.since,
    kontakt: row.contact,
    geaendertVon: row.updated_by,
    geaendertAm: row.updated_at.toISOString(),
  };
}

export async function setItSupport(db: Db, input: { solutionId: string; ars: string; support: ItSupportInput; actor: string; at: Date }) {
  return db.transaction().execute(async (trx) => {
    const pilot = await lockPilot(trx, input.solutionId, input.ars, PILOT_STAGES);
    const { support } = input;
    const values = {
      zit_bb: support.zitBb,
      dikom: support.dikom,
      since: support.seit ?? null,
      contact: support.kontakt?.trim() || null,
      updated_by: input.actor,
      updated_at: input.at,
    };
    const row = await trx
      .insertInto('pilot_it_support')
      .values({ solution_id: input.solutionId, ars: input.ars, ...values })
      .onConflict((oc) => oc.columns(['solution_id', 'ars']).doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordChange(trx, {
      solutionId: input.solutionId,
      ars: input.ars,
      stage: pilot.stage,
      machineVersion: pilot.machineVersion,
      eventType: 'IT_DIENSTLEISTER_GESETZT',
      event: { zitBb: support.zitBb, dikom: support.dikom, ...(values.since ? { seit: values.since } : {}), ...(values.contact ? { kontakt: values.contact } : {}) },
      actor: input.actor,
      at: input.at,
    });
    return itSupportView(row);
  });
}

