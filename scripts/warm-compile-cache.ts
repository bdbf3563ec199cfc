// Part of `npm install` (postinstall): loads the service's modules once with Node's
// compile cache on, so that already the first `npm start` finds them compiled.
import { enableCompileCache, flushCompileCache } from 'node:module';
import { COMPILE_CACHE_DIR } from '../src/compile-cache.ts';

const started = performance.now();
const { status, message } = enableCompileCache(COMPILE_CACHE_DIR);
// The modules of every command (loading them starts nothing).
for (const module of ['server.ts', 'runtime.ts', 'db/migrate.ts', 'directory/directory.import.ts', 'auth/api-token.service.ts']) {
  await import(`../src/${module}`);
}
flushCompileCache();
const outcome = message ? `nicht gefüllt: ${message}` : `gefüllt in ${Math.round(performance.now() - started)} ms`;
console.log(`efa-rollout: Modul-Cache ${COMPILE_CACHE_DIR} ${outcome}`);
