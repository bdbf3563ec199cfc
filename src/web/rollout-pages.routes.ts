import type { FastifyInstance } from 'fastify';
import { registerPilotPageRoutes } from './pilot-pages.routes.ts';
import type { RolloutPagesDeps } from './rollout-pages.kit.ts';
import { registerWavePageRoutes } from './wave-pages.routes.ts';

/** The pilot and wave pages of a solution (step 2 and 3 of the rollout), registered inside the staff plugin. */
export function registerRolloutPageRoutes(app: FastifyInstance, deps: RolloutPagesDeps): void {
  registerPilotPageRoutes(app, deps);
  registerWavePageRoutes(app, deps);
}
