import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.ts';
import { migrateToLatest } from './db/migrate.ts';
import { openConfiguredDatabase } from './runtime.ts';
import { serve } from './server.ts';
import { DataDirLockedError, readServiceAddress } from './db/data-dir.lock.ts';
import { StartFailure } from './logging/start-failure.ts';
import { DeactivationRefusedError, formatImportSummaryLine, importDirectory } from './directory/directory.import.ts';
import { createApiToken } from './auth/api-token.service.ts';
import { isRole, ROLES } from './auth/roles.ts';
import { DomainError } from './errors/domain.errors.ts';

const USAGE = `efa-rollout – Rollout von EfA-Onlinediensten an Brandenburgs Kommunen

Aufruf: efa-rollout <befehl> [optionen]

Befehle:
  serve                          Dienst starten (Standard)
  migrate                        Datenbank-Migrationen anwenden
  import-directory <datei>       Kommunalverzeichnis importieren (kvdaten.csv oder Destatis AuszugGV)
      --land <LL>                nur dieses Land (z. B. 12 für Brandenburg)
      --dry-run                  nur zeigen, was sich ändern würde; nichts schreiben
      --allow-deactivate         auch übernehmen, wenn mehr als 10 bzw. 5 % der Behörden
                                 eines Landes deaktiviert würden (sonst Abbruch mit Code 2)
  create-token --role <admin|ministry|kaz|landesredaktion> [--ministry <KÜRZEL>] --label <text>
                                 API-Token ausstellen und einmal ausgeben

Konfiguration über Umgebungsvariablen (siehe README): PORT, HOST, DATA_DIR, DATABASE_URL, LOG_LEVEL, EFA_ADMIN_TOKEN …`;

async function withDatabase<T>(work: (db: Awaited<ReturnType<typeof openConfiguredDatabase>>['db']) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const handle = await openConfiguredDatabase(config);
  try {
    await migrateToLatest(handle.db);
    return await work(handle.db);
  } finally {
    await handle.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  switch (command) {
    case 'serve':
      await serve(loadConfig());
      return -1; // keeps running
    case 'migrate': {
      const config = loadConfig();
      const handle = await openConfiguredDatabase(config);
      try {
        const { applied } = await migrateToLatest(handle.db);
        process.stdout.write(JSON.stringify({ applied }) + '\n');
      } finally {
        await handle.close();
      }
      return 0;
    }
    case 'import-directory': {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { land: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'allow-deactivate': { type: 'boolean' } },
        allowPositionals: true,
      });
      const file = positionals[0];
      if (!file) throw new UsageError('import-directory braucht eine Datei');
      const content = await readFile(file);
      // stdout carries the one JSON line; notes (Windows-1252 converted, rows left out) go to stderr.
      const note = (_data: Record<string, unknown>, message: string) => process.stderr.write(`Hinweis: ${message}\n`);
      const input = { content, sourceName: file, land: values.land, dryRun: values['dry-run'], allowDeactivation: values['allow-deactivate'], logger: { info: note, warn: note } };
      try {
        const summary = await withDatabase((db) => importDirectory(db, input));
        process.stdout.write(formatImportSummaryLine(summary) + '\n');
        return 0;
      } catch (error) {
        if (!(error instanceof DeactivationRefusedError)) throw error;
        process.stdout.write(formatImportSummaryLine(error.summary) + '\n');
        process.stderr.write(`Abgelehnt: ${error.message}\n`);
        return 2;
      }
    }
    case 'create-token': {
      const { values } = parseArgs({
        args: rest,
        options: { role: { type: 'string' }, ministry: { type: 'string' }, label: { type: 'string' } },
      });
      const role = values.role;
      if (!isRole(role)) throw new UsageError(`--role ${ROLES.join('|')} angeben`);
      if (role === 'ministry' && !values.ministry) throw new UsageError('--ministry für Ministeriums-Tokens angeben');
      if (role !== 'ministry' && values.ministry) throw new UsageError(`--ministry nur bei --role ministry (nicht bei ${role})`);
      if (!values.label) throw new UsageError('--label angeben');
      const created = await withDatabase((db) =>
        createApiToken(db, { role, ministry: values.ministry ?? null, label: values.label!, createdBy: 'kommandozeile' }),
      );
      process.stdout.write(JSON.stringify(created) + '\n');
      return 0;
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return 0;
    default:
      throw new UsageError(`Unbekannter Befehl: ${command}`);
  }
}

class UsageError extends Error {}

/**
 * The PGlite data directory is held by another process – as a rule the running service.
 * What to do instead depends on the command; above all a lost admin token must not end
 * in a stack trace.
 */
function lockedDataDirHint(command: string, error: DataDirLockedError): string {
  // The running service recorded where it listens; only without that (another version,
  // a process still starting) this command's own settings are the best guess.
  const base = readServiceAddress(error.dataDir, error.holderPid) ?? configuredAddress();
  const held = `Das Datenverzeichnis ${error.dataDir} ist belegt (Prozess ${error.holderPid}, meist der laufende Dienst)`;
  switch (command) {
    case 'create-token':
      return `${held}: Token über den Dienst ausstellen – POST ${base}/api/v1/admin/tokens mit einem Admin-Token – oder, ohne Admin-Token, den Dienst beenden und create-token erneut aufrufen.`;
    case 'import-directory':
      return `${held}: über den Dienst importieren – POST ${base}/api/v1/admin/directory/imports mit einem Admin-Token – oder den Dienst beenden und den Befehl wiederholen.`;
    case 'migrate':
      return `${held}: der Dienst wendet die Migrationen beim Start selbst an; sonst den Dienst beenden und den Befehl wiederholen.`;
    default:
      return `${held}: erst den anderen Prozess beenden; für mehrere Instanzen DATABASE_URL (PostgreSQL) setzen.`;
  }
}

/** Where this command's settings (HOST, PORT) would have the service listen. */
function configuredAddress(): string {
  try {
    const config = loadConfig();
    return `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
  } catch {
    return 'http://127.0.0.1:3000'; // the configuration was readable a moment ago; the default then
  }
}

/** One line on stderr, the stack only when asked for (LOG_LEVEL=debug or trace). */
function reportFailure(error: unknown, command: string): number {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 64;
  }
  if (error instanceof StartFailure) {
    process.stderr.write(`${error.message}\n`);
  } else if (error instanceof DataDirLockedError) {
    process.stderr.write(`Fehler: ${lockedDataDirHint(command, error)}\n`);
  } else if (error instanceof ConfigError || error instanceof DomainError) {
    process.stderr.write(`Fehler: ${error.message}\n`);
  } else {
    process.stderr.write(`Fehler: ${error instanceof Error ? error.message : String(error)}\n`);
    if (/^(debug|trace)$/i.test(process.env.LOG_LEVEL ?? '') && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  }
  return 1;
}

const args = process.argv.slice(2);
main(args).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = reportFailure(error, args[0] ?? 'serve');
    // Everything started has been closed; should a library still hold the event loop
    // open, a failed command must end all the same (not linger holding memory).
    setTimeout(() => process.exit(), 2000).unref();
  },
);
