import type { ReconciliationCategory } from '../db/schema.ts';
import type { PvogExport } from './pvog-export.read.ts';

/**
 * Compares what the authorities reported with what the PVOG export shows, per
 * participant. Pure.
 *
 * Linked in PVOG ("gefunden") means: a ZustaendigkeitOnlinedienst exists for a Leistung
 * that carries one of the solution's LeiKa keys (LeiKa → Leistung ids first) and a
 * Gebiet the participant covers –
 *   - its own ARS, or
 *   - for an authority with member Gemeinden (Amt, Verbandsgemeinde: their members have
 *     parent_ars = it) the Gebiete of **all** its active members. An Amt links the
 *     online service for its members; only when every member's Gebiet is served is the
 *     service there "flächendeckend" (DOMAIN.md). Partly served members are reported in
 *     the details (`mitgliedsgemeinden.abgedeckt` of `gesamt`) but do not count as found.
 *
 * Reported ("gemeldet") means: the authority reported its linking – the participant is in
 * bus-bb-verknuepft, live or pilot-live, or its context holds a BUS-BB report.
 */

export const RECONCILIATION_CATEGORIES: readonly ReconciliationCategory[] = ['bestaetigt', 'gemeldet-nicht-gefunden', 'gefunden-nicht-gemeldet', 'fehlt'];

const REPORTED_STAGES = new Set(['bus-bb-verknuepft', 'live', 'pilot-live']);

export interface ParticipantToCompare {
  ars: string;
  stage: string;
  /** context.busBb of the participant machine (null or absent: no report). */
  busBb: unknown;
  /** Active member Gemeinden (parent_ars = this authority). */
  members: readonly string[];
}

export interface OnlinedienstFound {
  id: string;
  bezeichnung: string | null;
  urls: string[];
}

export interface ComparisonDetails {
  gemeldet: boolean;
  gefunden: boolean;
  /** How it was found: its own Gebiet, or all its members' Gebiete. */
  gefundenUeber: 'eigenes-gebiet' | 'alle-mitgliedsgemeinden' | null;
  mitgliedsgemeinden: { gesamt: number; abgedeckt: number } | null;
  /** Onlinedienste serving the Gebiet(e) for the solution's Leistungen. */
  onlinedienste: OnlinedienstFound[];
  /** Whether an Organisationseinheit is responsible for the Leistung in its Gebiet. */
  oeZustaendigkeit: boolean;
}

export interface Comparison {
  ars: string;
  stage: string;
  category: ReconciliationCategory;
  details: ComparisonDetails;
}

export function categoryOf(gemeldet: boolean, gefunden: boolean): ReconciliationCategory {
  if (gemeldet) return gefunden ? 'bestaetigt' : 'gemeldet-nicht-gefunden';
  return gefunden ? 'gefunden-nicht-gemeldet' : 'fehlt';
}

/** The Leistung ids of the export that implement one of the LeiKa keys. */
export function leistungIdsFor(pvog: PvogExport, leikaKeys: readonly string[]): string[] {
  const wanted = new Set(leikaKeys);
  return [...pvog.leistungen].filter(([, codes]) => [...codes].some((code) => wanted.has(code))).map(([id]) => id);
}

export function compareWithExport(pvog: PvogExport, leikaKeys: readonly string[], participants: readonly ParticipantToCompare[]): { leistungIds: string[]; comparisons: Comparison[] } {
  const leistungIds = new Set(leistungIdsFor(pvog, leikaKeys));
  /** Gebiet ARS → Onlinedienst ids serving one of the Leistungen there. */
  const served = new Map<string, Set<string>>();
  const withOe = new Set<string>();
  for (const zustaendigkeit of pvog.zustaendigkeiten) {
    if (!leistungIds.has(zustaendigkeit.leistungId)) continue;
    if (zustaendigkeit.kind === 'oe') {
      withOe.add(zustaendigkeit.gebietArs);
      continue;
    }
    const dienste = served.get(zustaendigkeit.gebietArs) ?? new Set<string>();
    dienste.add(zustaendigkeit.objektId);
    served.set(zustaendigkeit.gebietArs, dienste);
  }

  const comparisons = participants.map((participant): Comparison => {
    const gemeldet = REPORTED_STAGES.has(participant.stage) || (participant.busBb !== null && participant.busBb !== undefined);
    const own = served.get(participant.ars);
    const coveredMembers = participant.members.filter((member) => served.has(member));
    const allMembers = participant.members.length > 0 && coveredMembers.length === participant.members.length;
    const gefundenUeber = own ? 'eigenes-gebiet' : allMembers ? 'alle-mitgliedsgemeinden' : null;
    const gefunden = gefundenUeber !== null;
    const dienstIds = new Set<string>(own ?? []);
    if (!own && allMembers) for (const member of coveredMembers) for (const dienst of served.get(member)!) dienstIds.add(dienst);
    const onlinedienste = [...dienstIds].sort().map((id) => {
      const dienst = pvog.onlinedienste.get(id);
      return { id, bezeichnung: dienst?.bezeichnung ?? null, urls: dienst?.urls ?? [] };
    });
    const oeZustaendigkeit = withOe.has(participant.ars) || (participant.members.length > 0 && participant.members.every((member) => withOe.has(member)));
    return {
      ars: participant.ars,
      stage: participant.stage,
      category: categoryOf(gemeldet, gefunden),
      details: {
        gemeldet,
        gefunden,
        gefundenUeber,
        mitgliedsgemeinden: participant.members.length > 0 ? { gesamt: participant.members.length, abgedeckt: coveredMembers.length } : null,
        onlinedienste,
        oeZustaendigkeit,
      },
    };
  });
  return { leistungIds: [...leistungIds].sort(), comparisons };
}
