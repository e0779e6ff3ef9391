import express from 'express';
import { LIVE, readinessStatus, type HealthRegistry } from './health';

// Apart from health.ts so that workers, which serve health on a bare node:http listener, never load Express.

/**
 * `/health/live`, `/health/ready` and `/health` for an Express app. `/health` is an alias of live:
 * it keeps its meaning from before readiness existed (the process serves), so anything still
 * probing it for liveness does not restart a process whose database blinked.
 */
export function healthRouter(health: HealthRegistry): express.Router {
  const router = express.Router();
  const live: express.RequestHandler = (_req, res) => void res.status(200).json(LIVE);
  router.get('/health/live', live);
  router.get('/health', live);
  router.get('/health/ready', (_req, res, next) => {
    health.readiness().then((report) => void res.status(readinessStatus(report)).json(report), next);
  });
  return router;
}
