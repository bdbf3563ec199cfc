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

/** Every Land: a nationwide solution stores this rule, not the thousands of authorities it means. */
export const ALL_LAENDER = 'alle';

/** Zuständigkeit as a request states it: one Land (`land`, default Brandenburg), every Land (`land: 'alle'`) or several (`laender`). */
export interface ResponsibilityInput {
  level: Responsibility['level'];
  authorities?: string[];
  land?: string;
  laender?: string[];
}

/**
 * The rule as it is stored and shown: one Land as `land` (also when `laender` names only
 * one), every Land as `land: 'alle'`, several as the sorted `laender`. Both `land` and
 * `laender` is a contradiction and refused.
 */
export function normalizeResponsibility(input: ResponsibilityInput): Responsibility {
  if (input.land !== undefined && input.laender !== undefined) {
    throw new InvalidInputError('Entweder ein Land (land) oder mehrere Länder (laender) angeben', [
      { field: '/body/responsibility/laender', message: 'nicht zusammen mit land' },
    ]);
  }
  const { laender, ...rest } = input;
  if (input.level === 'liste' || laender === undefined) return { ...rest, land: input.land ?? '12' };
  const sorted = [...new Set(laender)].sort();
  return sorted.length === 1 ? { ...rest, land: sorted[0]! } : { ...rest, laender: sorted };
}

/** In words, for pages and errors: „Land 12“, „Länder 12, 13“, „alle Länder“. */
export function laenderWords(responsibility: Responsibility): string {
  if (responsibility.laender) return `Länder ${responsibility.laender.join(', ')}`;
  return responsibility.land === ALL_LAENDER ? 'alle Länder' : `Land ${responsibility.land ?? '12'}`;
}

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
    let query = db.selectFrom('authority').select('ars').where('active', '=', true).where('kind', 'in', ADDRESSEE_KINDS[responsibility.level]);
    if (responsibility.laender) query = query.where('land', 'in', responsibility.laender);
    else if (responsibility.land !== ALL_LAENDER) query = query.where('land', '=', responsibility.land ?? '12');
    const rows = await query.execute();
    responsible = rows.map((row) => row.ars);
    if (responsible.length === 0) {
      const field = responsibility.laender ? '/body/responsibility/laender' : '/body/responsibility/land';
      errors.push({ field, message: `Im Kommunalverzeichnis gibt es für ${laenderWords(responsibility)} keine zuständigen Behörden` });
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
