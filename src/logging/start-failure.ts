import { DataDirLockedError } from '../db/data-dir.lock.ts';
import { ConfigError } from '../errors/config.error.ts';

/** What a start-failure line names: the settings the operator can change (a Config has them). */
export interface StartSettings {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | null;
}

/** A start that failed, with the one line that tells the operator what to do. */
export class StartFailure extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'StartFailure';
  }
}

/** `host:port/database (Benutzer user)` – never the password. */
export function describeDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    const host = url.hostname || url.searchParams.get('host') || 'localhost';
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || url.username || 'postgres';
    const user = url.username ? ` (Benutzer ${decodeURIComponent(url.username)})` : '';
    return `${host}:${url.port || '5432'}/${database}${user}`;
  } catch {
    return '(DATABASE_URL nicht lesbar)';
  }
}

interface SystemError {
  code?: string;
  syscall?: string;
  path?: string;
  address?: string;
  hostname?: string;
  message?: string;
}

/** Error codes of PostgreSQL (SQLSTATE) that a wrong DATABASE_URL produces. */
const POSTGRES_STATES: Record<string, (target: string) => string> = {
  '28P01': (target) => `PostgreSQL ${target} hat die Anmeldung abgelehnt – Benutzer und Passwort in DATABASE_URL prüfen.`,
  '28000': (target) => `PostgreSQL ${target} lässt diesen Benutzer nicht zu (pg_hba.conf) – DATABASE_URL oder die Freigabe prüfen.`,
  '3D000': (target) => `Die Datenbank ${target} gibt es nicht – mit createdb anlegen oder DATABASE_URL berichtigen.`,
  '42501': (target) => `Dem Benutzer fehlen Rechte in ${target} (z. B. CREATE im Schema public) – Rechte vergeben oder anderen Benutzer in DATABASE_URL.`,
  '53300': (target) => `PostgreSQL ${target} nimmt keine Verbindungen mehr an (too many connections) – DATABASE_POOL_SIZE senken oder max_connections erhöhen.`,
  '57P03': (target) => `PostgreSQL ${target} fährt gerade hoch oder herunter – gleich noch einmal starten.`,
};

/** The first error in a cause chain (AggregateError from a dual-stack connect, wrapped errors). */
function* causesOf(error: unknown): Generator<SystemError & { code?: string }> {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length) {
    const next = queue.shift();
    if (!next || typeof next !== 'object' || seen.has(next)) continue;
    seen.add(next);
    yield next as SystemError;
    if (next instanceof AggregateError) queue.push(...next.errors);
    if ('cause' in next) queue.push((next as { cause: unknown }).cause);
  }
}

function fileSystemHint(error: SystemError, dataDir: string): string | null {
  const where = error.path ?? dataDir;
  switch (error.code) {
    case 'EACCES':
    case 'EPERM':
      return `Keine Schreibberechtigung für ${where} – DATA_DIR auf ein beschreibbares Verzeichnis setzen oder die Rechte anpassen.`;
    case 'EROFS':
      return `${where} liegt auf einem schreibgeschützten Dateisystem – DATA_DIR auf ein beschreibbares Verzeichnis setzen.`;
    case 'ENOSPC':
      return `Kein Platz mehr auf dem Datenträger von ${where} – Platz schaffen oder DATA_DIR woanders hin legen.`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `${where} ist kein Verzeichnis – DATA_DIR auf ein Verzeichnis setzen.`;
    default:
      return null;
  }
}

/**
 * One German line for a start that failed: what went wrong in the operator's terms
 * (port, DATABASE_URL, DATA_DIR) and what to do. Unknown errors keep their message;
 * the stack goes to the log at level debug.
 */
export function describeStartFailure(error: unknown, config: StartSettings): string {
  const line = (text: string) => `efa-rollout startet nicht: ${text.replace(/\s*\n\s*/g, ' ')}`;
  if (error instanceof ConfigError || error instanceof DataDirLockedError) return line(error.message);
  const target = config.databaseUrl ? describeDatabaseUrl(config.databaseUrl) : '';
  for (const cause of causesOf(error)) {
    if (cause.syscall === 'listen') {
      switch (cause.code) {
        case 'EADDRINUSE':
          return line(`Port ${config.port} auf ${config.host} ist schon belegt (läuft efa-rollout bereits?) – den anderen Prozess beenden oder mit PORT=… einen freien Port wählen.`);
        case 'EACCES':
          return line(`Keine Berechtigung für Port ${config.port} – Ports unter 1024 brauchen besondere Rechte; PORT=… ab 1024 wählen.`);
        case 'EADDRNOTAVAIL':
          return line(`HOST=${config.host} ist keine Adresse dieses Rechners – z. B. 127.0.0.1 oder 0.0.0.0 setzen.`);
      }
    }
    if (cause.syscall === 'getaddrinfo' && cause.hostname === config.host) {
      return line(`HOST=${config.host} lässt sich nicht auflösen – eine Adresse wie 127.0.0.1 oder 0.0.0.0 setzen.`);
    }
    if (config.databaseUrl) {
      const state = typeof cause.code === 'string' ? POSTGRES_STATES[cause.code] : undefined;
      if (state) return line(state(target));
      switch (cause.code) {
        case 'ECONNREFUSED':
          return line(`PostgreSQL ${target} nimmt keine Verbindung an – läuft der Server, stimmen Rechner und Port in DATABASE_URL?`);
        case 'ENOTFOUND':
        case 'EAI_AGAIN':
          return line(`Den Rechner aus DATABASE_URL (${target}) gibt es nicht – DATABASE_URL prüfen.`);
        case 'ETIMEDOUT':
        case 'EHOSTUNREACH':
        case 'ENETUNREACH':
          return line(`PostgreSQL ${target} ist nicht erreichbar (${cause.code}) – Netz, Firewall und DATABASE_URL prüfen.`);
      }
    } else {
      const hint = fileSystemHint(cause, config.dataDir);
      if (hint) return line(hint);
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  const where = config.databaseUrl ? `PostgreSQL ${target}` : `DATA_DIR ${config.dataDir}`;
  return line(`${message} (${where}; Einzelheiten mit LOG_LEVEL=debug)`);
}
