import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { toJson, type ChecklistStatus, type Database, type MeetingKind, type PilotMeetingTable } from '../db/schema.ts';
import { NotFoundProblem, ValidationProblem, type FieldError } from '../http/problem.ts';
import { pageWithTotal } from '../db/query.helpers.ts';
import type { LessonLearned, ParticipantStage, PilotCandidacy } from '../../workflows/index.ts';
import { checklistDefinitions, readChecklist, type ChecklistEntry } from './go-live.gate.ts';
import { CHECKLIST_DONE_STATUSES } from './checklist.defaults.ts';
import { CHECKLIST_EDITABLE_STAGES, lockPilot, PILOT_STAGES, recordChange } from './pilot.history.ts';

/**
 * The pilot phase beside the participant machine: candidates (read from the machines'
 * context), each pilot's checklist, meetings and ZIT-BB/DIKOM involvement, and the
 * solution's lessons learned. Every change writes a history row with the acting
 * principal in the same transaction as the change.
 */

type Db = Kysely<Database>;
type Trx = Transaction<Database>;

// ---------------------------------------------------------------------------
// Candidates

export interface CandidateFilter {
  stage?: string[];
  quelle?: string;
  limit: number;
  offset: number;
}

/**
 * Authorities that are, were or became pilot candidates: stage pilot-kandidat and beyond,
 * and those put back or declined (their candidacy stays recorded in the context). Old
 * snapshots without a candidacy show as source `unbekannt`.
 */
export async function listCandidates(db: Db, solutionId: string, filter: CandidateFilter) {
  let query = db
    .selectFrom('participant as p')
    .innerJoin('authority as a', 'a.ars', 'p.ars')
    .where('p.solution_id', '=', solutionId)
    .where((eb) =>
      eb.or([
        eb('p.stage', 'in', [...PILOT_STAGES]),
        eb(sql`jsonb_typeof(p.snapshot->'context'->'pilot')`, '=', 'object'),
      ]),
    );
  if (filter.stage?.length) query = query.where('p.stage', 'in', filter.stage);
  if (filter.quelle) query = query.where(sql`p.snapshot->'context'->'pilot'->>'quelle'`, '=', filter.quelle);
  const { rows, total } = await pageWithTotal(
    query,
    (q) => q.select(['p.ars', 'p.stage', 'p.snapshot', 'p.updated_at', 'a.name', 'a.kind']).orderBy('a.name').orderBy('p.ars'),
    filter,
  );
  return {
    total,
    items: rows.map((row) => {
      const pilot = ((row.snapshot as { context?: { pilot?: PilotCandidacy | null } }).context?.pilot ?? null) as PilotCandidacy | null;
      return {
        ars: row.ars,
        name: row.name,
        kind: row.kind,
        stage: row.stage as ParticipantStage,
        quelle: pilot?.quelle ?? ('unbekannt' as const),
        spitzenverband: pilot?.spitzenverband ?? null,
        vorgeschlagenVon: pilot?.vorgeschlagenVon ?? null,
        vorgeschlagenAm: pilot?.vorgeschlagenAm ?? null,
        seit: pilot?.seit || null,
        entscheidung: pilot?.entscheidung ?? null,
        liveOverride: pilot?.liveOverride ?? null,
        updatedAt: row.updated_at.toISOString(),
      };
    }),
  };
}

// ---------------------------------------------------------------------------
// Checklist

export async function getChecklist(db: Db, solutionId: string, ars: string) {
  const participant = await db
    .selectFrom('participant')
    .select('stage')
    .where('solution_id', '=', solutionId)
    .where('ars', '=', ars)
    .executeTakeFirst();
  if (!participant) throw new NotFoundProblem(`Behörde ${ars} ist nicht Teilnehmerin dieser Lösung`);
  return checklistView(ars, participant.stage as ParticipantStage, await readChecklist(db, solutionId, ars));
}

function checklistView(ars: string, stage: ParticipantStage, items: ChecklistEntry[]) {
  const offen = items.filter((item) => !CHECKLIST_DONE_STATUSES.includes(item.status)).length;
  return { ars, stage, offen, vollstaendig: offen === 0, items };
}

export interface ChecklistChange {
  key: string;
  status: ChecklistStatus;
  reason?: string;
}

/**
 * Sets checklist items of one pilot in the caller's transaction; items whose status and
 * reason stay as they are write nothing. `fieldOf` names a change's fields for the 422
 * (`/body/reason` over the API, the form's names on the pilot's page).
 */
export async function applyChecklistChanges(
  trx: Trx,
  input: { solutionId: string; ars: string; changes: ChecklistChange[]; actor: string; at: Date; fieldOf: (index: number, name: string) => string },
) {
  const pilot = await lockPilot(trx, input.solutionId, input.ars, CHECKLIST_EDITABLE_STAGES);
  const current = new Map((await readChecklist(trx, input.solutionId, input.ars)).map((item) => [item.key, item]));
  const errors: FieldError[] = [];
  input.changes.forEach((change, index) => {
    if (!current.has(change.key)) errors.push({ field: input.fieldOf(index, 'key'), message: `Checklistenpunkt „${change.key}“ gibt es nicht` });
    if (change.status === 'entfaellt' && !change.reason?.trim()) {
      errors.push({ field: input.fieldOf(index, 'reason'), message: 'Pflichtangabe: warum der Punkt entfällt' });
    }
  });
  if (errors.length) throw new ValidationProblem('Angaben zur Checkliste sind unvollständig oder ungültig', errors);
  let changed = 0;
  for (const change of input.changes) {
    const before = current.get(change.key)!;
    const reason = change.reason?.trim() ? change.reason.trim() : null;
    if (before.status === change.status && before.reason === reason) continue;
    await trx
      .insertInto('pilot_checklist_item')
      .values({
        solution_id: input.solutionId,
        ars: input.ars,
        key: change.key,
        status: change.status,
        reason,
        updated_by: input.actor,
        updated_at: input.at,
      })
      .onConflict((oc) =>
        oc.columns(['solution_id', 'ars', 'key']).doUpdateSet({ status: change.status, reason, updated_by: input.actor, updated_at: input.at }),
      )
      .execute();
    await recordChange(trx, {
      solutionId: input.solutionId,
      ars: input.ars,
      stage: pilot.stage,
      machineVersion: pilot.machineVersion,
      eventType: 'CHECKLISTE_PUNKT_GESETZT',
      event: { key: change.key, label: before.label, status: change.status, vorher: before.status, ...(reason ? { reason } : {}) },
      actor: input.actor,
      at: input.at,
    });
    changed++;
  }
  return { changed, checklist: checklistView(input.ars, pilot.stage as ParticipantStage, await readChecklist(trx, input.solutionId, input.ars)) };
}

export async function setChecklistItem(
  db: Db,
  input: { solutionId: string; ars: string; key: string; status: ChecklistStatus; reason?: string; actor: string; at: Date },
) {
  const fieldOf = (_index: number, name: string) => (name === 'key' ? '/params/key' : `/body/${name}`);
  return db.transaction().execute(async (trx) => {
    const definitions = await checklistDefinitions(trx, input.solutionId);
    if (!definitions.some((item) => item.key === input.key)) throw new NotFoundProblem(`Checklistenpunkt „${input.key}“ gibt es nicht`);
    const { checklist } = await applyChecklistChanges(trx, {
      solutionId: input.solutionId,
      ars: input.ars,
      changes: [{ key: input.key, status: input.status, ...(input.reason !== undefined ? { reason: input.reason } : {}) }],
      actor: input.actor,
      at: input.at,
      fieldOf,
    });
    return checklist;
  });
}

export async function listChecklistDefinitions(db: Db, solutionId: string) {
  return { items: await checklistDefinitions(db, solutionId) };
}

/** A ministry's own item: applies to every pilot of the solution, current and future. */
export async function addCustomChecklistItem(db: Db, input: { solutionId: string; label: string; optional: boolean; actor: string; at: Date }) {
  return db.transaction().execute(async (trx) => {
    // the solution row serialises the numbering of its own items
    const solution = await trx
      .selectFrom('solution')
      .select(['stage', 'machine_version'])
      .where('id', '=', input.solutionId)
      .forUpdate()
      .executeTakeFirst();
    if (!solution) throw new NotFoundProblem(`EfA-Lösung ${input.solutionId} gibt es nicht`);
    const { n } = await trx
      .selectFrom('pilot_checklist_custom_item')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('solution_id', '=', input.solutionId)
      .executeTakeFirstOrThrow();
    const key = `eigen-${Number(n) + 1}`;
    const label = input.label.trim();
    await trx
      .insertInto('pilot_checklist_custom_item')
      .values({ solution_id: input.solutionId, key, label, optional: input.optional, created_by: input.actor, created_at: input.at })
      .execute();
    await recordChange(trx, {
      solutionId: input.solutionId,
      ars: null,
      stage: solution.stage,
      machineVersion: solution.machine_version,
      eventType: 'CHECKLISTE_PUNKT_ANGELEGT',
      event: { key, label, optional: input.optional },
      actor: input.actor,
      at: input.at,
    });
    return { key, label, optional: input.optional, eigen: true };
  });
}

// ---------------------------------------------------------------------------
// Meetings

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

export async function createMeeting(db: Db, input: { solutionId: string; ars: string; meeting: MeetingInput; actor: string; at: Date }) {
  return db.transaction().execute(async (trx) => {
    const pilot = await lockPilot(trx, input.solutionId, input.ars, PILOT_STAGES);
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
    });
    return meetingView(row);
  });
}

async function assertParticipant(db: Db, solutionId: string, ars: string) {
  const found = await db.selectFrom('participant').select('stage').where('solution_id', '=', solutionId).where('ars', '=', ars).executeTakeFirst();
  if (!found) throw new NotFoundProblem(`Behörde ${ars} ist nicht Teilnehmerin dieser Lösung`);
}

export async function listMeetings(db: Db, solutionId: string, ars: string, paging: { limit: number; offset: number }) {
  await assertParticipant(db, solutionId, ars);
  const query = db.selectFrom('pilot_meeting').where('solution_id', '=', solutionId).where('ars', '=', ars);
  const { rows, total } = await pageWithTotal(query, (q) => q.selectAll().orderBy('held_on', 'desc').orderBy('created_at', 'desc'), paging);
  return { total, items: rows.map(meetingView) };
}

// ---------------------------------------------------------------------------
// ZIT-BB / DIKOM

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

// ---------------------------------------------------------------------------
// Lessons learned

/** The solution's lessons learned, oldest first; entries from before they were structured lack thema, pilot and relevanz. */
export async function listLessonsLearned(db: Db, solutionId: string, filter: { relevanz?: string }) {
  const solution = await db.selectFrom('solution').select('snapshot').where('id', '=', solutionId).executeTakeFirst();
  if (!solution) throw new NotFoundProblem(`EfA-Lösung ${solutionId} gibt es nicht`);
  const stored = (solution.snapshot as { context?: { lessonsLearned?: unknown } }).context?.lessonsLearned;
  const lessons = (Array.isArray(stored) ? stored : []) as Partial<LessonLearned>[];
  const pilotArs = [...new Set(lessons.map((lesson) => lesson.pilotArs).filter((ars): ars is string => typeof ars === 'string'))];
  const names = new Map(
    pilotArs.length ? (await db.selectFrom('authority').select(['ars', 'name']).where('ars', 'in', pilotArs).execute()).map((row) => [row.ars, row.name]) : [],
  );
  const items = lessons
    .map((lesson, index) => ({
      nummer: index + 1,
      thema: lesson.thema ?? null,
      text: lesson.text ?? '',
      pilotArs: lesson.pilotArs ?? null,
      pilotName: lesson.pilotArs ? (names.get(lesson.pilotArs) ?? null) : null,
      relevanz: lesson.relevanz ?? null,
      erfasstAm: lesson.recordedAt ?? null,
    }))
    .filter((lesson) => !filter.relevanz || lesson.relevanz === filter.relevanz);
  return { total: items.length, items };
}
