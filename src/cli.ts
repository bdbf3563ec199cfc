import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createLogger, openConfiguredDatabase } from './runtime.ts';
import { serve } from './server.ts';
import { formatImportSummaryLine, importDirectory } from './directory/directory.import.ts';
import { createApiToken } from './auth/api-token.service.ts';
import { ProblemError } from './http/problem.ts';

const USAGE = `efa-rollout – Rollout von EfA-Onlinediensten an Brandenburgs Kommunen

Aufruf: efa-rollout <befehl> [optionen]

Befehle:
  serve                          Dienst starten (Standard)
  migrate                        Datenbank-Migrationen anwenden
  import-directory <datei>       Kommunalverzeichnis importieren (kvdaten.csv oder Destatis AuszugGV)
      --land <LL>                nur dieses Land (z. B. 12 für Brandenburg)
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
      const { values, positionals } = parseArgs({ args: rest, options: { land: { type: 'string' } }, allowPositionals: true });
      const file = positionals[0];
      if (!file) throw new UsageError('import-directory braucht eine Datei');
      const content = await readFile(file);
      const summary = await withDatabase((db) => importDirectory(db, { content, sourceName: file, land: values.land }));
      process.stdout.write(formatImportSummaryLine(summary) + '\n');
      return 0;
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
