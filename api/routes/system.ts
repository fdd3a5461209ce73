import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { ping } from '../../workflows/ping.js';
import type { AppDeps } from '../deps.js';
import { asyncHandler } from '../errors.js';
import { requireRole } from '../middleware/auth.js';
import { temporalClient, updateErrorToApiError, withDeadline } from '../lifecycle-kit/workflow-calls.js';
import { bearerAuth, errorResponses, jsonResponse, registry } from '../openapi.js';

const PingResultSchema = z
  .object({ workflowId: z.string(), echo: z.string(), databaseTime: z.string(), roundTripMs: z.number() })
  .meta({ id: 'PingResult' });

registry.registerPath({
  method: 'post',
  path: '/system/ping',
  tags: ['system'],
  summary:
    'Runs the ping workflow end to end (server → Temporal → worker → PostgreSQL) and returns its result (staff)',
  security: bearerAuth,
  responses: { 200: jsonResponse('The workflow result', PingResultSchema), ...errorResponses(401, 403) },
});

export function systemRouter(deps: AppDeps): Router {
  const router = Router();
  router.post(
    '/system/ping',
    // Not auditors: a ping starts a workflow execution, and auditors change nothing anywhere
    // (tests/api/auditor-read-only.test.ts).
    requireRole('operations', 'aml_officer', 'admin'),
    asyncHandler(async (_req, res) => {
      const client = await temporalClient(deps);
      const workflowId = `ping-${randomUUID()}`;
      const started = performance.now();
      const result = await withDeadline(client, () =>
        client.workflow.execute(ping, {
          taskQueue: deps.taskQueue,
          workflowId,
          args: ['ping'],
          workflowExecutionTimeout: '30 seconds',
          staticSummary: 'Health ping from the API',
        }),
      ).catch((error: unknown) => {
        throw updateErrorToApiError(error);
      });
      res.json({ workflowId, ...result, roundTripMs: Math.round(performance.now() - started) });
    }),
  );
  return router;
}
