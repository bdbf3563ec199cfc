import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createLogger, openConfiguredDatabase } from './runtime.ts';
import { serve } from './server.ts';
import { DeactivationRefusedProblem, formatImportSummaryLine, importDirectory } from './directory/directory.import.ts';
import { createApiToken } from './auth/api-token.service.ts';
import { ProblemError } from './http/problem.ts';

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
  create-token --role <admin|ministry> [--ministry <KÜRZEL>] --label <text>
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
        if (!(error instanceof DeactivationRefusedProblem)) throw error;
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
      if (values.role !== 'admin' && values.role !== 'ministry') throw new UsageError('--role admin oder --role ministry angeben');
      if (values.role === 'ministry' && !values.ministry) throw new UsageError('--ministry für Ministeriums-Tokens angeben');
      if (!values.label) throw new UsageError('--label angeben');
      const created = await withDatabase((db) =>
        createApiToken(db, { role: values.role as 'admin' | 'ministry', ministry: values.ministry ?? null, label: values.label! }),
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

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      process.exitCode = 64;
    } else if (error instanceof ConfigError || error instanceof ProblemError) {
      process.stderr.write(`Fehler: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      createLogger({ logLevel: 'error' }).error({ err: error }, 'Abbruch');
      process.stderr.write(`Fehler: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
