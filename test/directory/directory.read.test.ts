import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { INLINE_READ_MAX_BYTES, readDirectoryFile } from '../../src/directory/directory.read.ts';
import { FileIssuesError } from '../../src/directory/file.issues.ts';
import { importDirectory } from '../../src/directory/directory.import.ts';
import { openTestDatabase } from '../helpers/databases.ts';

const FIXTURE = readFileSync(new URL('../../fixtures/brandenburg-kommunalverzeichnis.csv', import.meta.url));
/**
 * The longest stall of the event loop, as a share of the whole run. Reading in the event
 * loop blocked it for the whole parse (a stall of ~100 % of the read); now the main thread
 * only takes chunks of entries, and what remains are garbage collections and the operating
 * system's scheduling (single stalls of 0.2–1.7 s seen with parallel test runs busy on two
 * cores – a few per cent of the run). A share, not milliseconds: a loaded machine stretches
 * the stalls and the run alike, so the test asserts no wall-clock figure.
 */
const MAX_STALL_SHARE = 0.25;

/**
 * A kvdaten file of about `bytes` size: the fixture's rows again and again under new,
 * unique keys, with a university every 100 rows – the size a Germany-wide directory
 * with contact columns reaches.
 */
function synthesiseKvdaten(bytes: number): { content: Buffer; rows: number; skipped: number } {
  const [header, ...rows] = FIXTURE.toString('utf8').replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
  const lines = ['\uFEFF' + header];
  let size = 0;
  let count = 0;
  let skipped = 0;
  while (size < bytes) {
    const key = '12' + String(count).padStart(10, '0');
    const line =
      count % 100 === 99
        ? `"${key}";"Hochschule Nr. ${count}";"Hochschule";"";"";"";"poststelle.${count}@hochschule.example"`
        : rows[count % rows.length]!.replace(/^"\d{12}"/, `"${key}"`);
    if (count % 100 === 99) skipped++;
    lines.push(line);
    size += Buffer.byteLength(line) + 2;
    count++;
  }
  return { content: Buffer.from(lines.join('\r\n') + '\r\n', 'utf8'), rows: count, skipped };
}

/** Runs `work` and reports the longest time the event loop could not run anything else. */
async function withEventLoopDelay<T>(work: () => Promise<T>): Promise<{ result: T; maxMs: number; p99Ms: number; ms: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  // The histogram's first sample only sets its baseline: without these turns, a block
  // right at the start or the end of the work would go unmeasured.
  await sleep(50);
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  await sleep(50);
  histogram.disable();
  return { result, maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6, ms };
}

t.test('a 50 MB directory file is read without holding up the event loop', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'efa-large-directory-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'kvdaten-50mb.csv');
  const synthetic = synthesiseKvdaten(50 * 1024 * 1024);
  writeFileSync(file, synthetic.content);
  const content = await readFile(file);
  t.ok(content.length > INLINE_READ_MAX_BYTES);

  const read = await withEventLoopDelay(() => readDirectoryFile(content));
  t.comment(
    `read ${(content.length / 1024 / 1024).toFixed(1)} MB, ${synthetic.rows} rows in ${Math.round(read.ms)} ms (worker thread); ` +
      `event loop delay max ${Math.round(read.maxMs)} ms, p99 ${Math.round(read.p99Ms)} ms`,
  );
  t.equal(read.result.entries.length, synthetic.rows - synthetic.skipped);
  t.same(read.result.skipped, { Hochschule: synthetic.skipped });
  t.ok(read.maxMs < MAX_STALL_SHARE * read.ms, `longest stall ${Math.round(read.maxMs)} ms < ${MAX_STALL_SHARE * 100} % of the read's ${Math.round(read.ms)} ms`);

  // The whole dry run of an import (read, compare with the database) stays responsive too.
  const { db } = await openTestDatabase(t, 'pglite');
  const dryRun = await withEventLoopDelay(() => importDirectory(db, { content, sourceName: file, dryRun: true }));
  t.comment(`dry run of the import: ${Math.round(dryRun.ms)} ms; event loop delay max ${Math.round(dryRun.maxMs)} ms, p99 ${Math.round(dryRun.p99Ms)} ms`);
  t.equal(dryRun.result.changes.new, synthetic.rows - synthetic.skipped);
  t.ok(dryRun.maxMs < MAX_STALL_SHARE * dryRun.ms, `longest stall ${Math.round(dryRun.maxMs)} ms < ${MAX_STALL_SHARE * 100} % of the dry run's ${Math.round(dryRun.ms)} ms`);
});

t.test('problems found in the worker thread come back as file issues', async (t) => {
  const synthetic = synthesiseKvdaten(INLINE_READ_MAX_BYTES * 2);
  const text = synthetic.content.toString('utf8');
  const damaged = Buffer.from(text.replace('"Rüdnitz"', '"Rüd\0nitz"'), 'utf8');
  const error = await readDirectoryFile(damaged).catch((caught: unknown) => caught);
  t.ok(error instanceof FileIssuesError);
  t.match((error as FileIssuesError).issues[0], { line: 19, column: 'bezeichnung', position: 20, message: /NUL-Zeichen/ });

  const duplicate = Buffer.from(text + text.split('\r\n')[5] + '\r\n', 'utf8');
  const duplicateError = await readDirectoryFile(duplicate).catch((caught: unknown) => caught);
  t.ok(duplicateError instanceof FileIssuesError);
  t.match((duplicateError as Error).message, /^Zeile \d+, Spalte regionalschluessel: Schlüssel 120000000004 steht schon in Zeile 6$/);
});

t.test('small files are read in place and give the same result', async (t) => {
  t.ok(FIXTURE.length <= INLINE_READ_MAX_BYTES, 'the fixture is read without a worker');
  const inPlace = await readDirectoryFile(FIXTURE);
  t.equal(inPlace.entries.length, 484);
  const large = synthesiseKvdaten(INLINE_READ_MAX_BYTES * 2);
  const inWorker = await readDirectoryFile(large.content);
  t.equal(inWorker.entries.length, large.rows - large.skipped);
  const firstThree = large.content.subarray(0, large.content.indexOf('\r\n"120000000003"') + 2);
  t.same(inWorker.entries.slice(0, 3), (await readDirectoryFile(firstThree)).entries, 'entries come back from the worker unchanged');
});
