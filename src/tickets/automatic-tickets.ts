import type { Transaction } from 'kysely';
import type { Database, TicketCategory } from '../db/schema.ts';
import { insertTicket } from './ticket.repository.ts';
import type { TicketSettings } from './ticket.sla.ts';
import { REASON_LABELS } from '../responses/answer.labels.ts';

/**
 * Readiness reasons that are an integration problem for the Kaz, and their ticket
 * category. "personal" and "sonstiges" are not: no ticket. The AVV is the Kaz's
 * Datenschutz/AVV category (the Kaz prepares the Auftragsverarbeitungsvertrag with the
 * authorities), so it opens one too.
 */
export const TICKET_CATEGORY_OF_READINESS_REASON: Readonly<Record<string, TicketCategory>> = Object.freeze({
  'fachverfahren-anbindung': 'fachverfahren-anbindung',
  transport: 'transport',
  epayment: 'epayment',
  bundid: 'bundid',
  avv: 'datenschutz-avv',
});

const TITLES: Readonly<Record<string, string>> = {
  'fachverfahren-anbindung': 'Nicht bereit: Anbindung des Fachverfahrens',
  transport: 'Nicht bereit: Übermittlungsweg (FIT-Connect, OSCI/XTA, DVDV)',
  epayment: 'Nicht bereit: ePayment',
  bundid: 'Nicht bereit: BundID / Nutzerkonto',
  avv: 'Nicht bereit: Auftragsverarbeitungsvertrag (AVV)',
};

/** One ticket per (participant, reason): the unique index turns repeated answers into nothing. Answers the new tickets' ids. */
export async function openAutomaticTickets(
  trx: Transaction<Database>,
  input: { solutionId: string; ars: string; gruende: readonly string[]; freitext: unknown; at: Date },
  settings: TicketSettings,
): Promise<string[]> {
  const opened: string[] = [];
  for (const grund of input.gruende) {
    const category = TICKET_CATEGORY_OF_READINESS_REASON[grund];
    if (!category) continue;
    const freitext = typeof input.freitext === 'string' && input.freitext.trim() ? `\n\nAngabe der Behörde: ${input.freitext.trim()}` : '';
    const inserted = await insertTicket(
      trx,
      {
        solutionId: input.solutionId,
        ars: input.ars,
        category,
        priority: 'normal',
        title: TITLES[grund]!,
        // the reason in the words the authority ticked on its form, never the internal key
        description: `Die Behörde hat ihre Bereitschaft mit „nicht bereit“ beantwortet und als Grund angekreuzt: „${REASON_LABELS[grund as keyof typeof REASON_LABELS] ?? grund}“.${freitext}`,
        blocking: false,
        assignee: null,
        source: 'automatisch',
        autoReason: grund,
        actor: 'system:bereitschaft',
        at: input.at,
      },
      settings,
    );
    if (inserted) opened.push(inserted.id);
  }
  return opened;
}
