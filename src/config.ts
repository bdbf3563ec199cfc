import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { isMailAddress } from './validation/mail-address.ts';
import { parseOfficeHours, type OfficeHours } from './time/working-time.ts';
import { readMinistryNamesFile, type MinistryNames } from './solutions/ministry-names.ts';
import { ConfigError } from './errors/config.error.ts';
import type { LogFormat, LogLevel } from './logging/logger.ts';
import { isRole, ROLES, type Role } from './auth/roles.ts';
import { OIDC_CALLBACK_PATH, type OidcSettings } from './auth/oidc.settings.ts';

// Defined where they are used (errors/, logging/), so that no lower module imports the composition root.
export { ConfigError };
export type { LogFormat, LogLevel };

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** Set: a PostgreSQL server. Unset: embedded PGlite in `${dataDir}/pglite`. */
  readonly databaseUrl: string | null;
  readonly databasePoolSize: number;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** Admin token to install on an empty database; generated and printed once when unset. */
  readonly adminToken: string | null;
  /** Load the Brandenburg fixture directory on an empty database. */
  readonly loadFixtureDirectory: boolean;
  /** How many jobs (effects, timers) one instance works on at once. */
  readonly jobConcurrency: number;
  /** How often an idle worker looks for due jobs, in ms. */
  readonly jobPollIntervalMs: number;
  /** How long a claimed job stays with its worker; after that another instance takes it over. */
  readonly jobLeaseSeconds: number;
  /** Finished jobs are deleted after this many days; 0 keeps them. */
  readonly jobRetentionDays: number;
  /** Largest accepted request body (directory uploads), in bytes. */
  readonly bodyLimitBytes: number;
  /** A request (headers and body) must have arrived within this time, else 408. */
  readonly requestTimeoutMs: number;
  /** Requests per minute and client to /api/v1; 0: no limit. */
  readonly rateLimitApiPerMinute: number;
  /** Requests per minute and client to the answer pages /antwort/*; 0: no limit. */
  readonly rateLimitAnswerPagesPerMinute: number;
  /**
   * Proxies whose X-Forwarded-For is believed (client address for rate limits and logs):
   * false, or their addresses/subnets (or loopback, linklocal, uniquelocal).
   */
  readonly trustProxy: false | readonly string[];
  /** SMTP server (smtp://user:pass@host:port, smtps://…). Unset: mails go to the local outbox only. */
  readonly smtpUrl: string | null;
  readonly smtpMaxConnections: number;
  /** Most messages per second handed to the SMTP server by one instance. */
  readonly smtpRateLimitPerSecond: number;
  /** Sender of all mails, e.g. "MSGIV Brandenburg <ozg@msgiv.example>". */
  readonly mailFrom: string;
  /** Right-hand side of every Message-ID: MAIL_MESSAGE_ID_DOMAIN, else MAIL_FROM's domain. */
  readonly messageIdDomain: string;
  /** Base URL under which authorities reach the answer pages (links in mails). */
  readonly publicBaseUrl: string;
  /** How long a link in a mail stays valid. */
  readonly linkTtlDays: number;
  /** Copies of every Erstinformation go to these multipliers (Spitzenverbände, Kaz/ZIT-BB). */
  readonly multiplierEmails: readonly string[];
  /** Office hours in which ticket SLAs run (SLA_OFFICE_HOURS, e.g. "Mo-Fr 08:00-16:00"); Brandenburg holidays are never working time. */
  readonly slaOfficeHours: OfficeHours;
  /** A solved or closed ticket may be reopened within this many days of its solution. */
  readonly ticketReopenDays: number;
  /** The authority's replies on a ticket within this many minutes make one mail to the Kaz. */
  readonly ticketNoticeGatherMinutes: number;
  /** At most this many replies of the authority per ticket in 24 hours. */
  readonly ticketRepliesPerDay: number;
  /** The Kaz / ZIT-BB queue's address (KAZ_QUEUE_EMAIL): SLA escalations, warnings and replies of unassigned tickets. */
  readonly kazQueueEmail: string;
  /** A staff session of the web interface ends after this many minutes without a request (SESSION_IDLE_MINUTES). */
  readonly sessionIdleMinutes: number;
  /** Where people send feedback on accessibility (ACCESSIBILITY_CONTACT_EMAIL), named on /barrierefreiheit. */
  readonly accessibilityContactEmail: string;
  /** Ministries' full names by short code: the defaults with MINISTRIES_FILE (JSON) laid over them. */
  readonly ministryNames: MinistryNames;
  /** Staff sign-in through the Land's identity provider (OIDC_*); null without OIDC_ISSUER: only the token sign-in. */
  readonly oidc: OidcSettings | null;
}

type Env = Record<string, string | undefined>;

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `"${raw}" ist keine ganze Zahl`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `${value} liegt nicht zwischen ${min} und ${max}`);
  return value;
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'ja'].includes(raw)) return true;
  if (['0', 'false', 'no', 'nein'].includes(raw)) return false;
  throw new ConfigError(name, `"${raw}" ist kein Wahrheitswert (true/false)`);
}

/** Synthetic addresses on a reserved example domain: set MULTIPLIER_EMAILS to the real ones. */
const DEFAULT_MULTIPLIERS = [
  'geschaeftsstelle@staedte-gemeindebund-brandenburg.example',
  'geschaeftsstelle@landkreistag-brandenburg.example',
  'kaz@zit-bb.example',
];

/** A fully qualified domain name: dot-separated labels, a top-level label that is not numeric. */
const FQDN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * Spam filters score a Message-ID without a fully qualified domain (`<…@efa-rollout>`);
 * the sender's own domain is the natural one, a relay's domain may be configured instead.
 */
function readMessageIdDomain(env: Env, mailFrom: string): string {
  const configured = env.MAIL_MESSAGE_ID_DOMAIN?.trim().toLowerCase();
  if (configured) {
    if (!FQDN.test(configured)) throw new ConfigError('MAIL_MESSAGE_ID_DOMAIN', `"${configured}" ist kein vollständiger Domainname (z. B. msgiv.brandenburg.de)`);
    return configured;
  }
  const address = /<([^>]*)>\s*$/.exec(mailFrom)?.[1] ?? mailFrom;
  const domain = /^[^\s@<>]+@([^\s@<>]+)$/.exec(address.trim())?.[1]?.toLowerCase();
  if (!domain) throw new ConfigError('MAIL_FROM', `"${mailFrom}" enthält keine E-Mail-Adresse (Name <adresse@domain>)`);
  if (!FQDN.test(domain)) {
    throw new ConfigError('MAIL_FROM', `die Domain "${domain}" ist nicht vollständig qualifiziert; für die Message-ID MAIL_MESSAGE_ID_DOMAIN setzen`);
  }
  return domain;
}

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const LOG_FORMATS: LogFormat[] = ['auto', 'json', 'pretty'];

/**
 * Behind a reverse proxy every request comes from the proxy: without this the rate
 * limit would count all clients as one. Only named proxies are believed – with `true`
 * or a hop count any client could write its own X-Forwarded-For and escape the limit
 * (Fastify ignores hop counts for that reason).
 */
function readTrustProxy(env: Env): false | readonly string[] {
  const raw = env.TRUST_PROXY?.trim().toLowerCase();
  if (!raw || ['false', 'no', 'nein'].includes(raw)) return false;
  const entries = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) continue;
    const [address = '', prefix] = entry.split('/');
    const version = isIP(address);
    const validPrefix = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (version === 6 ? 128 : 32));
    if (!version || !validPrefix) {
      throw new ConfigError('TRUST_PROXY', `"${entry}" ist weder eine IP-Adresse noch ein Netz (z. B. 10.0.0.0/8) noch loopback`);
    }
  }
  return Object.freeze(entries);
}

/** Reads and validates the configuration once; the result is frozen. */
export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'muss mit postgres:// oder postgresql:// beginnen');
  }
  const logLevel = (env.LOG_LEVEL?.trim().toLowerCase() || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `"${env.LOG_LEVEL}" ist keine der Stufen ${LOG_LEVELS.join(', ')}`);
  }
  const logFormat = (env.LOG_FORMAT?.trim().toLowerCase() || 'auto') as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) {
    throw new ConfigError('LOG_FORMAT', `"${env.LOG_FORMAT}" ist keines der Formate ${LOG_FORMATS.join(', ')}`);
  }
  const adminToken = env.EFA_ADMIN_TOKEN?.trim() || null;
  if (adminToken !== null && adminToken.length < 24) {
    throw new ConfigError('EFA_ADMIN_TOKEN', 'muss mindestens 24 Zeichen lang sein');
  }
  const host = env.HOST?.trim() || '127.0.0.1';
  const port = readInteger(env, 'PORT', 3000, 0, 65535);
  const smtpUrl = env.SMTP_URL?.trim() || null;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) throw new ConfigError('SMTP_URL', 'muss mit smtp:// oder smtps:// beginnen');
  const publicBaseUrl = (env.PUBLIC_BASE_URL?.trim() || `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(publicBaseUrl)) throw new ConfigError('PUBLIC_BASE_URL', 'muss eine http(s)-URL sein');
  const multiplierEmails = (env.MULTIPLIER_EMAILS ?? DEFAULT_MULTIPLIERS.join(','))
    .split(',')
    .map((address) => address.trim())
    .filter(Boolean);
  for (const address of multiplierEmails) {
    // the same rule as every other address: each ends up alone in a To header
    if (!isMailAddress(address)) throw new ConfigError('MULTIPLIER_EMAILS', `"${address}" ist keine einzelne E-Mail-Adresse (name@domain.de, kommagetrennt)`);
  }
  const kazQueueEmail = env.KAZ_QUEUE_EMAIL?.trim() || 'kaz@zit-bb.example';
  if (!isMailAddress(kazQueueEmail)) throw new ConfigError('KAZ_QUEUE_EMAIL', `"${kazQueueEmail}" ist keine einzelne E-Mail-Adresse (name@domain.de)`);
  const accessibilityContactEmail = env.ACCESSIBILITY_CONTACT_EMAIL?.trim() || 'barrierefreiheit@land-brandenburg.example';
  if (!isMailAddress(accessibilityContactEmail)) {
    throw new ConfigError('ACCESSIBILITY_CONTACT_EMAIL', `"${accessibilityContactEmail}" ist keine einzelne E-Mail-Adresse (name@domain.de)`);
  }
  const mailFrom = env.MAIL_FROM?.trim() || 'EfA-Rollout Brandenburg <efa-rollout@land-brandenburg.example>';
  const messageIdDomain = readMessageIdDomain(env, mailFrom);
  return Object.freeze({
    port,
    host,
    dataDir: resolve(env.DATA_DIR?.trim() || 'data'),
    databaseUrl,
    databasePoolSize: readInteger(env, 'DATABASE_POOL_SIZE', 10, 1, 200),
    logLevel,
    logFormat,
    adminToken,
    loadFixtureDirectory: readBoolean(env, 'LOAD_FIXTURE_DIRECTORY', true),
    jobConcurrency: readInteger(env, 'JOB_CONCURRENCY', 4, 1, 64),
    jobPollIntervalMs: readInteger(env, 'JOB_POLL_INTERVAL_MS', 500, 10, 60000),
    jobLeaseSeconds: readInteger(env, 'JOB_LEASE_SECONDS', 300, 2, 86400),
    jobRetentionDays: readInteger(env, 'JOB_RETENTION_DAYS', 30, 0, 3650),
    bodyLimitBytes: readInteger(env, 'BODY_LIMIT_BYTES', 50 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    requestTimeoutMs: readInteger(env, 'REQUEST_TIMEOUT_MS', 30_000, 1000, 3_600_000),
    rateLimitApiPerMinute: readInteger(env, 'RATE_LIMIT_API_PER_MINUTE', 1200, 0, 1_000_000),
    rateLimitAnswerPagesPerMinute: readInteger(env, 'RATE_LIMIT_ANSWER_PAGES_PER_MINUTE', 120, 0, 1_000_000),
    trustProxy: readTrustProxy(env),
    smtpUrl,
    smtpMaxConnections: readInteger(env, 'SMTP_MAX_CONNECTIONS', 5, 1, 100),
    smtpRateLimitPerSecond: readInteger(env, 'SMTP_RATE_LIMIT', 20, 1, 10000),
    mailFrom,
    messageIdDomain,
    publicBaseUrl,
    linkTtlDays: readInteger(env, 'LINK_TTL_DAYS', 120, 1, 3650),
    multiplierEmails: Object.freeze(multiplierEmails),
    slaOfficeHours: readOfficeHours(env),
    ticketReopenDays: readInteger(env, 'TICKET_REOPEN_DAYS', 14, 1, 365),
    ticketNoticeGatherMinutes: readInteger(env, 'TICKET_NOTICE_GATHER_MINUTES', 5, 0, 60),
    ticketRepliesPerDay: readInteger(env, 'TICKET_REPLIES_PER_DAY', 20, 1, 500),
    kazQueueEmail,
    sessionIdleMinutes: readInteger(env, 'SESSION_IDLE_MINUTES', 30, 1, 720),
    accessibilityContactEmail,
    ministryNames: readMinistryNames(env),
    oidc: readOidcSettings(env, publicBaseUrl),
  });
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Ours only: another program's OIDC_* in the same environment is none of our business. */
const OIDC_VARIABLES = ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_REDIRECT_URL', 'OIDC_SCOPES', 'OIDC_ROLE_CLAIM', 'OIDC_ROLE_MAP', 'OIDC_MINISTRY_CLAIM', 'OIDC_NAME_CLAIM'] as const;

/**
 * OIDC_*: the Land's identity provider. Everything but OIDC_ISSUER and OIDC_CLIENT_ID has
 * a default; an OIDC_* setting without OIDC_ISSUER stops the start (it would do nothing,
 * silently). The issuer must speak HTTPS – plain HTTP only on loopback, for a local test
 * provider.
 */
function readOidcSettings(env: Env, publicBaseUrl: string): OidcSettings | null {
  const issuerText = env.OIDC_ISSUER?.trim();
  if (!issuerText) {
    const stray = OIDC_VARIABLES.filter((name) => env[name]?.trim());
    if (stray.length > 0) throw new ConfigError(stray[0]!, 'ist gesetzt, OIDC_ISSUER aber nicht – ohne OIDC_ISSUER gibt es keine Anmeldung über den Identitätsanbieter');
    return null;
  }
  let issuer: URL;
  try {
    issuer = new URL(issuerText);
  } catch {
    throw new ConfigError('OIDC_ISSUER', `"${issuerText}" ist keine URL (z. B. https://login.land-brandenburg.de/realms/verwaltung)`);
  }
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname))) {
    throw new ConfigError('OIDC_ISSUER', `muss mit https:// beginnen (http:// nur für einen Testanbieter auf 127.0.0.1 oder localhost)`);
  }
  if (issuer.search || issuer.hash) throw new ConfigError('OIDC_ISSUER', 'darf weder Abfrage (?…) noch Fragment (#…) enthalten');
  const clientId = env.OIDC_CLIENT_ID?.trim();
  if (!clientId) throw new ConfigError('OIDC_CLIENT_ID', 'fehlt: die Client-ID, unter der efa-rollout beim Identitätsanbieter registriert ist');
  const redirectText = env.OIDC_REDIRECT_URL?.trim() || `${publicBaseUrl}${OIDC_CALLBACK_PATH}`;
  let redirectUrl: URL;
  try {
    redirectUrl = new URL(redirectText);
  } catch {
    throw new ConfigError('OIDC_REDIRECT_URL', `"${redirectText}" ist keine URL`);
  }
  if (!/^https?:$/.test(redirectUrl.protocol) || redirectUrl.pathname !== OIDC_CALLBACK_PATH || redirectUrl.search || redirectUrl.hash) {
    throw new ConfigError('OIDC_REDIRECT_URL', `muss auf den Pfad ${OIDC_CALLBACK_PATH} dieses Dienstes zeigen (z. B. https://efa.land-brandenburg.de${OIDC_CALLBACK_PATH}), ohne Abfrage`);
  }
  const scopes = (env.OIDC_SCOPES?.trim() || 'openid profile').split(/\s+/);
  if (!scopes.includes('openid')) throw new ConfigError('OIDC_SCOPES', 'muss „openid“ enthalten (z. B. „openid profile“)');
  const claimName = (name: string, fallback: string) => {
    const value = env[name]?.trim() || fallback;
    if (!/^[\w:/.-]{1,200}$/.test(value) || value.split('.').some((part) => part === '')) {
      throw new ConfigError(name, `"${value}" ist kein Claim-Name (Buchstaben, Ziffern, _ : / -; verschachtelt mit Punkt, z. B. realm_access.roles)`);
    }
    return value;
  };
  return Object.freeze({
    issuer: issuer.href,
    clientId,
    clientSecret: env.OIDC_CLIENT_SECRET?.trim() || null,
    redirectUrl: redirectUrl.href,
    postLogoutRedirectUrl: `${redirectUrl.origin}/anmelden?abgemeldet`,
    scopes: scopes.join(' '),
    roleClaim: claimName('OIDC_ROLE_CLAIM', 'roles'),
    roleMap: readOidcRoleMap(env),
    ministryClaim: claimName('OIDC_MINISTRY_CLAIM', 'ministerium'),
    nameClaim: claimName('OIDC_NAME_CLAIM', 'name'),
  });
}

/** OIDC_ROLE_MAP: `Wert=Rolle,…`; default each role's own name (admin=admin, …). */
function readOidcRoleMap(env: Env): Readonly<Record<string, Role>> {
  const raw = env.OIDC_ROLE_MAP?.trim();
  if (!raw) return Object.freeze(Object.fromEntries(ROLES.map((role) => [role, role])));
  const map: Record<string, Role> = Object.create(null) as Record<string, Role>;
  for (const entry of raw.split(',').map((part) => part.trim()).filter(Boolean)) {
    const at = entry.lastIndexOf('=');
    const value = at > 0 ? entry.slice(0, at).trim() : '';
    const role = at > 0 ? entry.slice(at + 1).trim() : '';
    if (!value) throw new ConfigError('OIDC_ROLE_MAP', `"${entry}" ist keine Zuordnung Wert=Rolle (z. B. efa-kaz=kaz)`);
    if (!isRole(role)) throw new ConfigError('OIDC_ROLE_MAP', `"${role}" in "${entry}" ist keine Rolle von efa-rollout (${ROLES.join(', ')})`);
    if (Object.hasOwn(map, value)) throw new ConfigError('OIDC_ROLE_MAP', `der Wert "${value}" ist zweimal zugeordnet`);
    map[value] = role;
  }
  if (Object.keys(map).length === 0) throw new ConfigError('OIDC_ROLE_MAP', 'enthält keine Zuordnung');
  return Object.freeze(map);
}

function readMinistryNames(env: Env): MinistryNames {
  try {
    return readMinistryNamesFile(env.MINISTRIES_FILE?.trim() || null);
  } catch (error) {
    throw new ConfigError('MINISTRIES_FILE', error instanceof Error ? error.message : String(error));
  }
}

function readOfficeHours(env: Env): OfficeHours {
  const text = env.SLA_OFFICE_HOURS?.trim() || 'Mo-Fr 08:00-16:00';
  try {
    return parseOfficeHours(text, 'SLA_OFFICE_HOURS');
  } catch (error) {
    throw new ConfigError('SLA_OFFICE_HOURS', (error instanceof Error ? error.message : String(error)).replace(/^SLA_OFFICE_HOURS: /, ''));
  }
}
