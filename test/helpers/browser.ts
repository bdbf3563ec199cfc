import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Debian's Chromium, installed by apt (`.ci/run` does it in CI). playwright-core only
 * drives it: no browser is ever downloaded.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Why a browser test cannot run here, or null. In CI a missing Chromium is an
 * error, not a skip: until the browser test ran, no answer page counts as working.
 */
export function chromiumMissing(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  if (process.env.CI) throw new Error(`CI: ${CHROMIUM_PATH} fehlt (.ci/run installiert das Debian-Paket chromium)`);
  return `${CHROMIUM_PATH} nicht installiert (apt-get install chromium)`;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * A headless Chromium, closed when the test ends. `launch` starts it on a fresh
 * temporary profile that it deletes on close, so nothing of a developer's browser
 * (cookies, extensions' state, HSTS) leaks in. The flags keep it quiet and offline
 * apart from what the test opens: no sandbox (CI runs as root, in a container),
 * no GPU, no QUIC, no first-run UI, no background requests, updates or sync.
 */
export async function launchChromium(t: Teardown): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.teardown(() => browser.close());
  return browser;
}

/** Where a page stands horizontally: WCAG 1.4.10 (Reflow) wants scrollWidth ≤ clientWidth at 320 CSS px. */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number }> {
  return page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement;
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth };
  });
}

/** The viewport of a small phone held upright: WCAG 1.4.10 measures reflow at 320 CSS px. */
export const NARROW_VIEWPORT = { width: 320, height: 640 };
