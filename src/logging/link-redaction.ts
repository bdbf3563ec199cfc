/**
 * The token in an answer link (`/antwort/<token>`) is a credential: whoever has it may
 * answer for the authority. It must not reach a log line – not from a route's request
 * log, nor from a path that matches no route (a mail client's trailing slash, a
 * `/antwort/../<token>`, an encoded slash), nor from an error message that quotes the
 * URL. The request log redacts the URL of every such path; every finished log line is
 * swept once more for what still looks like a link (src/logging/logger.ts).
 */

export const REDACTED_ANSWER_PATH = '/antwort/[verborgen]';

/**
 * The path's segments as a router or a browser may read them: percent-escapes decoded
 * byte by byte (also twice-encoded ones and ones that are no valid UTF-8), backslashes
 * as slashes, lower case. Only for recognising a path, never for answering one.
 */
function readableSegments(url: string): string[] {
  let path = url.split(/[?#]/, 1)[0] ?? '';
  for (let round = 0; round < 3 && /%[0-9a-f]{2}/i.test(path); round++) {
    path = path.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return path.replaceAll('\\', '/').toLowerCase().split('/');
}

/**
 * Whether a request path is one of an authority's pages, or meant to be one: its first
 * non-empty segment is `antwort`, however encoded (`/antwort/<t>/`, `/antwort/../<t>`,
 * `//antwort/<t>`, `/antwort%2F<t>`, `/%61ntwort/<t>`). Such a path gets the pages'
 * German HTML and headers, also when no route matches it.
 */
export function isAnswerPagePath(url: string): boolean {
  return readableSegments(url).find((segment) => segment !== '') === 'antwort';
}

/**
 * The identity provider's answer to a staff sign-in (`…/rueckkehr?code=…&state=…`,
 * OIDC_CALLBACK_PATH in src/auth/oidc.settings.ts, which this lower module cannot import)
 * carries an authorization code: single-use and bound to PKCE, still no log's business.
 */
const SIGN_IN_RETURN_SEGMENTS = 'anmelden/landeskonto/rueckkehr';

/** A URL for the log: any path with an `antwort` segment anywhere loses everything after it; the sign-in's return its query. */
export function redactUrlForLog(url: string): string {
  const segments = readableSegments(url);
  if (segments.includes('antwort')) return REDACTED_ANSWER_PATH;
  const query = url.indexOf('?');
  if (query >= 0 && segments.filter(Boolean).join('/') === SIGN_IN_RETURN_SEGMENTS) return `${url.slice(0, query)}?[verborgen]`;
  return url;
}

/**
 * The last net over a whole log line (JSON or not): whatever follows `antwort` and a
 * slash – also escaped or encoded – up to a quote or white space, and every run of
 * exactly 43 base64url characters, the shape of a link token (HMAC-SHA256 in base64url,
 * src/responses/response-link.service.ts). Request ids (UUIDs) and hex hashes do not have
 * that shape; a 43-character identifier that is no token loses its text – a price worth
 * paying for a credential.
 */
const LINK_IN_TEXT = /antwort(?:\/|\\\\|\\|%2f|%5c)[^\s"'<>]*/gi;
const TOKEN_SHAPE = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;

export function redactLinksInText(text: string): string {
  if (!/antwort/i.test(text) && !/[A-Za-z0-9_-]{43}/.test(text)) return text;
  return text.replace(LINK_IN_TEXT, 'antwort/[verborgen]').replace(TOKEN_SHAPE, '[verborgen]');
}

interface LoggableRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}

/** pino's `req` serializer: what Fastify logs of a request, the URL redacted where it may carry a token. */
export function serializeRequestForLog(request: LoggableRequest) {
  return {
    method: request.method,
    url: typeof request.url === 'string' ? redactUrlForLog(request.url) : request.url,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
