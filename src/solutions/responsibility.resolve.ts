import type { Kysely, Transaction } from 'kysely';
import type { AuthorityKind, Database, Responsibility } from '../db/schema.ts';
import { InvalidInputError, type FieldError } from '../errors/domain.errors.ts';

/**
 * Who is addressed for a solution (Zuständigkeit). For Gemeinde-level services the
 * administration is the addressee: the Amt (or Verbandsgemeinde and the other
 * Gemeindeverbände of other Länder) for its member Gemeinden, the amts-/verbandsfreie
 * Gemeinde and the kreisfreie Stadt for themselves.
 */
export const ADDRESSEE_KINDS: Record<'gemeinde' | 'kreis', AuthorityKind[]> = {
  gemeinde: [
    'amt',
    'amtsfreie_gemeinde',
    'kreisfreie_stadt',
    'verbandsgemeinde',
    'verbandsfreie_gemeinde',
    'stadtkreis',
    'samtgemeinde',
    'verwaltungsgemeinschaft',
    'kirchspielslandgemeinde',
    'verwaltungsverband',
    'vg_traegermodell',
    'erfuellende_gemeinde',
  ],
  kreis: ['landkreis', 'kreisfreie_stadt', 'kreis', 'stadtkreis', 'regionalverband'],
};

export interface ResponsibilityOverride {
  ars: string;
  action: 'add' | 'exclude';
  reason: string;
}

type Executor = Kysely<Database> | Transaction<Database>;

/** ARS of the participants: the responsible authorities, plus additions, minus exclusions. */
export async function resolveParticipants(
  db: Executor,
  responsibility: Responsibility,
  overrides: ResponsibilityOverride[],
): Promise<string[]> {
  const errors: FieldError[] = [];
  const mentioned = [...(responsibility.level === 'liste' ? responsibility.authorities ?? [] : []), ...overrides.map((o) => o.ars)];
  const existing = mentioned.length
    ? await db.selectFrom('authority').select(['ars', 'active']).where('ars', 'in', mentioned).execute()
    : [];
  const activeByArs = new Map(existing.map((row) => [row.ars, row.active]));

  let responsible: string[];
  if (responsibility.level === 'liste') {
    const list = responsibility.authorities ?? [];
    list.forEach((ars, index) => {
      if (!activeByArs.has(ars)) errors.push({ field: `/body/responsibility/authorities/${index}`, message: `Behörde ${ars} ist nicht im Kommunalverzeichnis` });
      else if (!activeByArs.get(ars)) errors.push({ field: `/body/responsibility/authorities/${index}`, message: `Behörde ${ars} ist nicht mehr aktiv` });
    });
    responsible = list;
  } else {
    const rows = await db
      .selectFrom('authority')
      .select('ars')
      .where('land', '=', responsibility.land)
      .where('active', '=', true)
      .where('kind', 'in', ADDRESSEE_KINDS[responsibility.level])
      .execute();
    responsible = rows.map((row) => row.ars);
    if (responsible.length === 0) {
      errors.push({ field: '/body/responsibility/land', message: `Im Kommunalverzeichnis gibt es für Land ${responsibility.land} keine zuständigen Behörden` });
    }
  }

  overrides.forEach((override, index) => {
    if (!activeByArs.has(override.ars)) errors.push({ field: `/body/overrides/${index}/ars`, message: `Behörde ${override.ars} ist nicht im Kommunalverzeichnis` });
  });
  if (errors.length) throw new InvalidInputError('Die Zuständigkeit verweist auf unbekannte Behörden', errors);

  const participants = new Set(responsible);
  for (const override of overrides) {
    if (override.action === 'add') participants.add(override.ars);
    else participants.delete(override.ars);
  }
  return [...participants].sort();
}
