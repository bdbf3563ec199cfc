// Entry of the efa-rollout command (through bin/efa-rollout.js for `npm start` and
// `npm run cli`, or started directly).
//
// Turns on Node's compile cache before the rest is loaded (bin/efa-rollout.js already did,
// before this file was type-stripped; then this call changes nothing): Node then keeps the compiled
// (and type-stripped) modules in node_modules/.cache and a command skips that work – about
// half of the time to load the modules (`help`: 0.9 → 0.5 s). The service's start is
// bounded by opening PGlite instead (README). `npm install` fills the cache
// (scripts/warm-compile-cache.ts). Without a writable cache directory everything works as
// before. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import { enableCompileCache } from 'node:module';
import { COMPILE_CACHE_DIR } from './compile-cache.ts';

enableCompileCache(COMPILE_CACHE_DIR);
await import('./cli.commands.ts');
