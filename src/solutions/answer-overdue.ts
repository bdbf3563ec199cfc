import { sql, type RawBuilder } from 'kysely';

/**
 * When an invited authority's answer is overdue – one rule, as SQL over `participant as p`
 * (and `wave as w` for a wave's own deadline), for the wave's progress, the participant
 * list's filter and the statewide overview alike.
 *
 * Pending: still `eingeladen` without a readiness answer. A wave's deadline: the wave
 * started and its start plus fristTage (whole days of 24 hours) lies at or before `now`.
 * Overdue: pending and either the machine marked the deadline passed (a reminder went out,
 * `context.fristUeberschritten`) or the deadline of a started wave the authority belongs
 * to has passed. JSON operators of PostgreSQL, which PGlite has too.
 */

export const ANSWER_PENDING: RawBuilder<boolean> = sql<boolean>`(p.stage = 'eingeladen' and jsonb_typeof(p.snapshot #> '{context,readiness}') is distinct from 'object')`;

export function waveDeadlinePassed(now: Date): RawBuilder<boolean> {
  return sql<boolean>`(w.started_at is not null and w.frist_tage is not null and w.started_at + w.frist_tage * interval '24 hours' <= ${now}::timestamptz)`;
}

export function answerOverdue(now: Date): RawBuilder<boolean> {
  // uncorrelated IN: PostgreSQL reads the members of passed waves once (a hashed subplan), not per row
  return sql<boolean>`(${ANSWER_PENDING} and (coalesce(p.snapshot #>> '{context,fristUeberschritten}', 'false') = 'true' or (p.solution_id, p.ars) in (
    select m.solution_id, m.ars from wave_member m join wave w on w.id = m.wave_id where ${waveDeadlinePassed(now)})))`;
}
