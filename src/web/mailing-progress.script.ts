import { SECURITY_HEADERS } from './layout.ts';

/**
 * The one script of the staff pages, served by the service itself: while a mailing is
 * under way, its page fetches itself every 5 seconds and puts the fresh progress block
 * in place of the old one, inside an aria-live region (screen readers hear the change
 * politely); it stops once the block says the delivery is finished. Without JavaScript
 * the page's „Aktualisieren“ link does the same. Only this page's response admits it
 * (PROGRESS_PAGE_CSP); every other page keeps the strict policy without scripts.
 */

export const MAILING_PROGRESS_SCRIPT_PATH = '/verwaltung/assets/mailing-progress.js';

/** The mailing page's policy: the pages' own, plus this script and its requests to the same origin. */
export const PROGRESS_PAGE_CSP = `${SECURITY_HEADERS['content-security-policy']}; script-src 'self'; connect-src 'self'`;

export const MAILING_PROGRESS_SCRIPT = `'use strict';
(function () {
  var INTERVAL_MS = 5000;
  function finished() {
    var block = document.getElementById('versandstand');
    return !block || block.getAttribute('data-fertig') === 'ja';
  }
  function refresh() {
    fetch(window.location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (text === null) return;
        var fresh = new DOMParser().parseFromString(text, 'text/html').getElementById('versandstand');
        var current = document.getElementById('versandstand');
        if (fresh && current) current.replaceWith(document.importNode(fresh, true));
      })
      .catch(function () { /* the next round tries again */ })
      .then(function () { if (!finished()) window.setTimeout(refresh, INTERVAL_MS); });
  }
  if (!finished()) window.setTimeout(refresh, INTERVAL_MS);
})();
`;
