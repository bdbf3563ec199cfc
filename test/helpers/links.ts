import type { LinkPurpose } from '../../src/db/schema.ts';
import { getLinkSecret, issueResponseLinks } from '../../src/links/link.service.ts';
import type { TestApp } from './app.ts';

const DAY = 24 * 60 * 60 * 1000;

/** Issues an authority's link of one purpose as a mailing would, valid 30 days on the test clock; answers its path (`/antwort/<token>`). */
export async function issueLinkPath(env: TestApp, subject: { solutionId: string; mailingId: string; ars: string; purpose: LinkPurpose }): Promise<string> {
  const urls = await issueResponseLinks(env.handle.db, {
    secret: await getLinkSecret(env.handle.db),
    solutionId: subject.solutionId,
    ars: subject.ars,
    mailingId: subject.mailingId,
    purposes: [subject.purpose],
    expiresAt: new Date(env.clock.now.getTime() + 30 * DAY),
    baseUrl: env.mail.routes.publicBaseUrl,
  });
  return new URL(urls[subject.purpose]!).pathname;
}
