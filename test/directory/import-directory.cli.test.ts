import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { createTestDatabaseUrl, databaseKinds } from '../helpers/databases.ts';

const BIN = fileURLToPath(new URL('../../bin/efa-rollout.js', import.meta.url));
const FIXTURE = readFileSync(new URL('../../fixtures/brandenburg-kommunalverzeichnis.csv', import.meta.url));
const DESTATIS = new URL('../../../shared/data/destatis-gv-auszug.csv', import.meta.url);

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The one JSON line on stdout. */
function summaryOf(stdout: string) {
  const lines = stdout.trim().split('\n');
  if (lines.length !== 1) throw new Error(`expected one line, got: ${stdout}`);
  return JSON.parse(lines[0]!);
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: import-directory --dry-run / --allow-deactivate, Windows-1252 and other bodies`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'efa-cli-import-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const env: Record<string, string> = kind === 'pglite' ? { DATA_DIR: join(dir, 'data') } : { DATABASE_URL: await createTestDatabaseUrl(t) };

    // As Excel saves it, with a university between the Kommunen.
    const text = FIXTURE.toString('utf8').replace(/^\uFEFF/, '');
    const lines = text.split('\r\n');
    lines.splice(5, 0, '"120540000000";"Universität Potsdam";"Hochschule";"";"";"";"poststelle@uni-potsdam.example"');
    const excel = join(dir, 'kvdaten-excel.csv');
    writeFileSync(excel, iconv.encode(lines.join('\r\n'), 'windows-1252'));
    const first = await run(['import-directory', excel], env);
    t.equal(first.code, 0, first.stderr);
    t.match(summaryOf(first.stdout), { dryRun: false, encoding: 'windows-1252', total: 484, skipped: { total: 1, byOrganisationsart: { Hochschule: 1 } } });
    t.match(first.stderr, /Hinweis: Verzeichnisdatei ist Windows-1252-kodiert \(Excel\) und wurde nach UTF-8 umgewandelt/);
    t.match(first.stderr, /Hinweis: 1 Zeilen ohne Kommunalverwaltung/);

    const cut = join(dir, 'kvdaten-40.csv');
    writeFileSync(cut, FIXTURE.toString('utf8').split('\r\n').slice(0, 41).join('\r\n') + '\r\n');
    const refused = await run(['import-directory', cut], env);
    t.equal(refused.code, 2, 'refused');
    t.match(refused.stderr, /^Abgelehnt: Der Import würde 444 Behörden deaktivieren \(Land 12: 444 von 484 aktiven\).*--allow-deactivate \(CLI\)/);
    t.match(summaryOf(refused.stdout), { dryRun: false, deactivated: 444, changes: { deactivated: 444 }, deactivations: Array });

    const dryRun = await run(['import-directory', cut, '--dry-run'], env);
    t.equal(dryRun.code, 0, dryRun.stderr);
    t.match(summaryOf(dryRun.stdout), { dryRun: true, deactivated: 444, deactivationRefusal: /^Der Import würde 444/ });

    const applied = await run(['import-directory', cut, '--allow-deactivate'], env);
    t.equal(applied.code, 0, applied.stderr);
    t.match(summaryOf(applied.stdout), { dryRun: false, deactivated: 444, total: 40 });

    const back = await run(['import-directory', join(dir, 'kvdaten-excel.csv'), '--dry-run'], env);
    t.match(summaryOf(back.stdout), { dryRun: true, changes: { reactivated: 444, deactivated: 0 } }, 'the dry run of the full file shows them coming back');

    // 1.8 MB: read in the worker thread of a plain command process.
    const destatis = await run(['import-directory', fileURLToPath(DESTATIS), '--land', '12', '--dry-run'], env);
    t.equal(destatis.code, 0, destatis.stderr);
    t.match(summaryOf(destatis.stdout), { dryRun: true, format: 'destatis', total: 484, changes: { reactivated: 444 } });
  });
}
