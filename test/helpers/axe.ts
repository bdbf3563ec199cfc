import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/**
 * axe-core, the accessibility rules engine, from the project's own dev dependency: its
 * file is evaluated in the page (never loaded from a CDN). Evaluated through the
 * browser's DevTools protocol, it is not subject to the page's Content-Security-Policy –
 * the policy under test stays as strict as it is.
 */
function axeFile(): string | null {
  try {
    return createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  } catch {
    return null;
  }
}

/** Why axe cannot run here, or null. In CI a missing axe-core is an error, as a missing Chromium is. */
export function axeMissing(): string | null {
  if (axeFile()) return null;
  if (process.env.CI) throw new Error('CI: axe-core fehlt (devDependency axe-core, npm install)');
  return 'axe-core nicht installiert (npm install)';
}

export interface AxeFinding {
  rule: string;
  impact: string | null;
  targets: string[];
}

/** Runs every axe rule on the page as it is now; answers the violations, sorted by rule. */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(axeFile()!, 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({ rule: violation.id, impact: violation.impact, targets: violation.nodes.map((node) => node.target.join(' ')) }));
  });
  return violations.sort((a, b) => a.rule.localeCompare(b.rule));
}

/** Whether the page scrolls sideways at its current viewport width (WCAG 1.4.10 Reflow). */
export function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}
