import { fileURLToPath } from 'node:url';

/** Where Node keeps the compiled modules of this project (beside the PGlite template). */
export const COMPILE_CACHE_DIR = fileURLToPath(new URL('../node_modules/.cache/efa-rollout/compile-cache', import.meta.url));
