import type { FastifyReply, FastifyRequest } from 'fastify';
import { isAnswerPagePath } from '../logging/link-redaction.ts';
import { isWellFormedLinkToken } from '../links/link.service.ts';
import { SECURITY_HEADERS, sendHtml } from './layout.ts';
import { renderUnknownLinkPage } from './link-problem.pages.ts';

/**
 * A path under /antwort/ that no route matches is still a person following (a mangled
 * copy of) the link in a mail: never problem+json, which would quote the path and with
 * it the token, but the pages' German HTML with their headers (no-store, the
 * Referrer-Policy that keeps the token out of Referer headers).
 *
 * One mangling is common and unambiguous: a mail client or a person adds a slash to the
 * end. `/antwort/<token>/`, `/antwort/<token>/problem/` and `/antwort/<token>/tickets/<n>/`
 * are redirected to the page without it. The Location is relative (`../<last segment>`),
 * as the pages' own links are, so that it works behind a path prefix too. Anything else
 * – `..`, encoded slashes, unknown sub-pages – gets the "link invalid" page.
 */
const TRAILING_SLASH_FORMS = [/^\/antwort\/([^/]+)\/$/, /^\/antwort\/([^/]+)\/problem\/$/, /^\/antwort\/([^/]+)\/tickets\/[1-9]\d{0,8}\/$/];

/** Where a trailing-slash form of a page leads (relative to it), or null. */
export function trailingSlashTarget(path: string): string | null {
  for (const form of TRAILING_SLASH_FORMS) {
    const match = form.exec(path);
    if (match && isWellFormedLinkToken(match[1]!)) {
      const segments = path.split('/');
      return `../${segments.at(-2)}`;
    }
  }
  return null;
}

/** Answers an unmatched request whose path is an answer page's; null for every other path. */
export function answerPageNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply | null {
  const path = request.url.split('?', 1)[0] ?? '';
  if (!isAnswerPagePath(path)) return null;
  reply.headers(SECURITY_HEADERS);
  const target = request.method === 'GET' || request.method === 'HEAD' ? trailingSlashTarget(path) : null;
  if (target) return reply.code(301).header('location', target).send();
  return sendHtml(reply, 404, renderUnknownLinkPage());
}
