// Settlement over HTTP (API.md "Settlement"): thin wrappers around api/services/settlements.ts,
// declared with api/routes/lifecycle-routes.ts.
import type { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import {
  CancelSettlementBodySchema,
  ListBatchesQuerySchema,
  ListSettlementsQuerySchema,
  RetrySettlementBodySchema,
  SettlementBatchSchema,
  SettlementSchema,
  StartBatchBodySchema,
  cancelSettlement,
  confirmSettlementReceipt,
  getBatchFor,
  getSettlementFor,
  listBatchesFor,
  listSettlementsFor,
  retrySettlement,
  startSettlementBatch,
} from '../services/settlements.js';
import { uuidSchema } from '../validate.js';
import { LifecycleRoutes } from './lifecycle-routes.js';

const idParams = z.object({ id: uuidSchema.meta({ description: 'The settlement id' }) });
const batchParams = z.object({ id: uuidSchema.meta({ description: 'The settlement batch id' }) });
const opsErrors = [400, 401, 403, 404, 409, 422, 503];

const settlementRoutes = new LifecycleRoutes({
  tags: ['settlement'],
  schema: SettlementSchema,
  params: idParams,
})
  .list('/settlements', {
    summary: 'List settlements (clients: their own; staff and auditors: all)',
    query: ListSettlementsQuerySchema,
    responds: 'A page of client settlements, newest first',
    errors: [400, 401, 403],
    run: listSettlementsFor,
  })
  .read('/settlements/:id', {
    summary: 'One settlement with its legs, trades and timeline (owner, staff, auditor)',
    responds: 'The settlement',
    errors: [401, 404],
    run: getSettlementFor,
  })
  .events('/settlements/:id/events', {
    summary: 'Live updates of one settlement (Server-Sent Events)',
    responds: 'text/event-stream of `state` events',
    errors: [401, 404],
    workflowIdOf: async (deps, user, id) => (await getSettlementFor(deps, user, id)).workflowId,
    read: getSettlementFor,
  })
  .action('post', '/settlements/:id/confirm-receipt', {
    summary: 'Confirm receipt of a delivered settlement (owner)',
    responds: 'The settlement: CONFIRMED',
    errors: [401, 403, 404, 409, 503],
    run: confirmSettlementReceipt,
  })
  .action('post', '/ops/settlements/:id/retry', {
    summary: 'Retry the delivery of a FAILING settlement (operations)',
    description: 'A new delivery round with new transfer ids; 422 delivery_failed when it fails again.',
    body: RetrySettlementBodySchema,
    responds: 'The settlement: DELIVERED',
    errors: opsErrors,
    run: retrySettlement,
  })
  .action('post', '/ops/settlements/:id/cancel', {
    summary: 'Cancel a FAILING settlement with a reason (operations)',
    body: CancelSettlementBodySchema,
    responds: 'The settlement: CANCELLED',
    errors: opsErrors,
    run: cancelSettlement,
  });

const batchRoutes = new LifecycleRoutes({
  tags: ['settlement'],
  schema: SettlementBatchSchema,
  params: batchParams,
})
  .create('/ops/settlement-batches', {
    summary: 'Start a settlement batch now (operations), besides the policy’s Schedule',
    body: StartBatchBodySchema,
    roles: ['operations'],
    responds: 'The batch, COLLECTED (its trades claimed and netted)',
    errors: [400, 401, 403, 409, 422, 503],
    run: startSettlementBatch,
  })
  .list('/ops/settlement-batches', {
    summary: 'List settlement batches (staff, auditor)',
    query: ListBatchesQuerySchema,
    responds: 'A page of batches, newest first',
    errors: [400, 401, 403],
    run: listBatchesFor,
  })
  .read('/ops/settlement-batches/:id', {
    summary: 'One settlement batch: totals, counts, status, timeline (staff, auditor)',
    responds: 'The batch',
    errors: [401, 403, 404],
    run: getBatchFor,
  })
  .events('/ops/settlement-batches/:id/events', {
    summary: 'Live updates of one settlement batch (Server-Sent Events; staff, auditor)',
    responds: 'text/event-stream of `state` events',
    errors: [401, 403, 404],
    workflowIdOf: async (deps, user, id) => (await getBatchFor(deps, user, id)).workflowId,
    read: getBatchFor,
  });

export function settlementsRouter(deps: AppDeps): Router {
  const router = settlementRoutes.router(deps);
  router.use(batchRoutes.router(deps));
  return router;
}
