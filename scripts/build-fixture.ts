/**
 * Builds fixtures/brandenburg-kommunalverzeichnis.csv: Brandenburg's Kommunen from the
 * Destatis Gemeindeverzeichnis, written in the Landesserviceportal's kvdaten.csv shape.
 * Run: node scripts/build-fixture.ts (Node 24 runs the TypeScript as it is)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeUtf8 } from '../src/directory/csv.parse.ts';
import { parseDestatis } from '../src/directory/destatis.format.ts';
import { formatKvdatenCsv, GEMEINDE_KINDS } from '../src/directory/kvdaten.format.ts';

const BRANDENBURG = '12';
const source = new URL('../../shared/data/destatis-gv-auszug.csv', import.meta.url);
const target = new URL('../fixtures/brandenburg-kommunalverzeichnis.csv', import.meta.url);

const directory = parseDestatis(decodeUtf8(readFileSync(source)));
const entries = directory.entries
  .filter((entry) => entry.land === BRANDENBURG)
  .sort((a, b) => a.ars.localeCompare(b.ars))
  .map((entry) => ({
    ...entry,
    // Destatis counts inhabitants per Gemeinde only; the importer sums up Ämter and Kreise.
    population: GEMEINDE_KINDS.has(entry.kind) ? entry.population : null,
    // Synthetic: the reserved .example domain can never reach a real mailbox.
    email: `poststelle.${entry.ars}@kommunen.example`,
  }));

writeFileSync(target, formatKvdatenCsv(entries));
console.log(`${entries.length} Behörden → ${fileURLToPath(target)}`);
