/**
 * The process diagrams of the README, drawn from the machines (src/web/process-diagram.blocks.ts):
 *
 *   npm run diagrams                         write workflows/diagrams/{loesung,behoerde,ticket}.svg
 *   node scripts/diagrams.ts --check         exit 1 when a file differs from what the code draws
 *
 * test/unit/diagrams.test.ts runs the check, so a changed machine without regenerated
 * diagrams fails the suite.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROCESS_NAMES, processSvgFile, type ProcessName } from '../src/web/process-diagram.blocks.ts';

const REPOSITORY = fileURLToPath(new URL('..', import.meta.url));
export const DIAGRAM_DIRECTORY = 'workflows/diagrams';

export const diagramPath = (name: ProcessName) => `${DIAGRAM_DIRECTORY}/${name}.svg`;

/** Each file as the code draws it now. */
export function drawnDiagrams(): Map<string, string> {
  return new Map(PROCESS_NAMES.map((name) => [diagramPath(name), processSvgFile(name)]));
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(posix.join(REPOSITORY, path), 'utf8');
  } catch {
    return null;
  }
}

/** The files that are missing or differ from the drawing; empty when all are current. */
export function staleDiagrams(read: (path: string) => string | null = readOrNull): string[] {
  return [...drawnDiagrams()].filter(([path, content]) => read(path) !== content).map(([path]) => path);
}

export function writeDiagrams(): string[] {
  mkdirSync(posix.join(REPOSITORY, DIAGRAM_DIRECTORY), { recursive: true });
  const stale = staleDiagrams();
  for (const [path, content] of drawnDiagrams()) if (stale.includes(path)) writeFileSync(posix.join(REPOSITORY, path), content);
  return stale;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === posix.resolve(process.argv[1])) {
  if (process.argv.includes('--check')) {
    const stale = staleDiagrams();
    if (stale.length) {
      console.error(`out of date: ${stale.join(', ')} – run npm run diagrams`);
      process.exit(1);
    }
  } else {
    const written = writeDiagrams();
    console.log(written.length ? `written: ${written.join(', ')}` : 'all diagrams current');
  }
}
