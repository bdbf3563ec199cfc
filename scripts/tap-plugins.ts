// Part of `npm test`, before tap runs the suite. tap compiles its Test class with its
// plugins into node_modules; as installed, that set includes @tapjs/typescript, a
// TypeScript loader. Our tests run on Node 24's own type stripping, so package.json
// removes that plugin – but tap only notices while it runs the first suite after an
// install, whose test processes then still start with the loader. Rebuilding once here
// (`tap build`, a few seconds, only when the built set differs) means every test process
// of every run starts without it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The built plugin list, as tap itself records it in the built module (importing the
// module here would start a tap test).
const builtModule = new URL('test-built/dist/esm/index.js', import.meta.resolve('@tapjs/test/package.json'));
const built = readFileSync(fileURLToPath(builtModule), 'utf8');
const signature = /export const signature = `([^`]*)`/.exec(built)?.[1] ?? '';

const configured: string[] = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).tap?.plugin ?? [];
const removed = configured.filter((plugin) => plugin.startsWith('!')).map((plugin) => plugin.slice(1));
const stale = removed.filter((plugin) => signature.split('\n').includes(plugin));
if (stale.length) {
  console.log(`tap: Test-Klasse ohne ${stale.join(', ')} neu bauen (einmal nach npm install) …`);
  const build = spawnSync(process.execPath, [new URL('../node_modules/tap/dist/esm/run.mjs', import.meta.url).pathname, 'build'], { stdio: 'inherit' });
  process.exit(build.status ?? 1);
}
