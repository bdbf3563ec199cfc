import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ministryName } from '../solutions/ministry-names.ts';
import { berlinDate } from '../time/berlin.clock.ts';

/**
 * "Kommunale Mitarbeit gesucht" (issue 17, point 6): the solutions now looking for pilot
 * authorities, as anyone may read them – the page /mitarbeit-gesucht, its embeddable
 * version and the public JSON.
 *
 * The rule: a solution is listed while it is in stage `erstinformation` or `pilotphase`
 * (the Erstinformation and the Pilotaufruf both invite authorities to apply as pilots) and
 * its newest Pilotaufruf, if one was sent with a deadline, has not passed that deadline
 * (in Brandenburg's calendar); that deadline is shown as "until when".
 *
 * Only what the mails already tell every authority goes out: title, lead ministry, the
 * description, the deadline and the contact person of the mail details – no participants,
 * no counts, no ids, no tickets, no history. A draft never appears.
 */

export const OPEN_CALL_STAGES = ['erstinformation', 'pilotphase'] as const;

/** Longest description shown (characters, cut at a word boundary). */
export const DESCRIPTION_MAX = 300;

export interface PilotCall {
  titel: string;
  ozgId: string;
  ministerium: string;
  ministeriumKuerzel: string;
  phase: (typeof OPEN_CALL_STAGES)[number];
  gesucht: string;
  /** YYYY-MM-DD, or null when no Pilotaufruf named a deadline. */
  bewerbungBis: string | null;
  kontaktName: string | null;
  kontaktEmail: string | null;
}

/** The text up to `max` characters, cut at the last word boundary with "…". */
export function shorten(text: string, max = DESCRIPTION_MAX): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:–-]+$/, '')} …`;
}

export async function listOpenPilotCalls(db: Kysely<Database>, now: Date): Promise<PilotCall[]> {
  const today = berlinDate(now);
  const solutions = await db
    .selectFrom('solution')
    .select(['id', 'title', 'ozg_id', 'lead_ministry', 'description', 'stage', 'mail_details'])
    .where('stage', 'in', [...OPEN_CALL_STAGES])
    .orderBy('title')
    .orderBy('id')
    .execute();
  if (!solutions.length) return [];
  const calls = await db
    .selectFrom('mailing')
    .select(['solution_id', 'deadline', 'created_at'])
    .where('kind', '=', 'pilotaufruf')
    .where(
      'solution_id',
      'in',
      solutions.map((s) => s.id),
    )
    .orderBy('created_at', 'desc')
    .execute();
  const newestDeadline = new Map<string, string | null>();
  for (const call of calls) if (!newestDeadline.has(call.solution_id)) newestDeadline.set(call.solution_id, call.deadline);
  const open: PilotCall[] = [];
  for (const s of solutions) {
    const deadline = newestDeadline.get(s.id) ?? null;
    if (deadline && deadline < today) continue;
    const details = s.mail_details ?? {};
    open.push({
      titel: s.title,
      ozgId: s.ozg_id,
      ministerium: ministryName(s.lead_ministry) ?? s.lead_ministry,
      ministeriumKuerzel: s.lead_ministry,
      phase: s.stage as PilotCall['phase'],
      gesucht: shorten(s.description),
      bewerbungBis: deadline,
      kontaktName: details.kontaktName?.trim() || null,
      kontaktEmail: details.kontaktEmail?.trim() || null,
    });
  }
  return open;
}
