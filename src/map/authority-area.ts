import type { Ebene, BrandenburgShapes, Shape } from './brandenburg.shapes.ts';

/**
 * Which area stands for an authority on the map – the join of the directory (its ARS and
 * kind) with the outlines: a Landkreis is its Kreis, an Amt its Amt's area, an amtsfreie
 * Gemeinde its Gemeinde; a kreisfreie Stadt is its Gemeinde, or its Kreis on a map of a
 * Kreis-level solution (the same outline). An authority the outlines of 2021 do not know
 * (the Verbandsgemeinde Liebenwerda, formed later) is drawn as its member Gemeinden –
 * those whose ARS carries its Gemeindeverband part, as the directory's parent_ars is
 * built –, and one with neither has no area (its pages list it in the table only).
 */

export type MapLevel = 'kreis' | 'verwaltung';

export interface AuthorityArea {
  readonly shapes: readonly Shape[];
  /** own: its own outline; members: its member Gemeinden's; none: not on the map. */
  readonly drawnAs: 'own' | 'members' | 'none';
}

const KREIS_KINDS = new Set(['landkreis', 'kreis', 'regionalverband']);
const CITY_KINDS = new Set(['kreisfreie_stadt', 'stadtkreis']);

function preferred(kind: string, level: MapLevel): readonly Ebene[] {
  if (KREIS_KINDS.has(kind)) return ['kreis'];
  if (CITY_KINDS.has(kind)) return level === 'kreis' ? ['kreis', 'gemeinde'] : ['gemeinde', 'kreis'];
  if (kind === 'amt') return ['amt'];
  return ['gemeinde', 'amt'];
}

export function areaOfAuthority(shapes: BrandenburgShapes, authority: { ars: string; kind: string }, level: MapLevel): AuthorityArea {
  for (const ebene of preferred(authority.kind, level)) {
    const shape = shapes.find(ebene, authority.ars);
    if (shape) return { shapes: [shape], drawnAs: 'own' };
  }
  // only a Gemeindeverband's key (…000 after the 9 digits of the Verband) has members
  const members = authority.ars.endsWith('000') && !KREIS_KINDS.has(authority.kind) && !CITY_KINDS.has(authority.kind) ? shapes.membersOf(authority.ars) : [];
  return members.length ? { shapes: members, drawnAs: 'members' } : { shapes: [], drawnAs: 'none' };
}
