import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { buildOpenApiDocument } from '../openapi.js';
import { auditLogRouter } from './audit-log.js';
import { auditWorkflowsRouter } from './audit-workflows.js';
import { authRouter } from './auth.js';
import { balancesRouter } from './balances.js';
import { depositsRouter } from './deposits.js';
import { ledgerRouter } from './ledger.js';
import { tasksRouter } from './tasks.js';
import { meRouter } from './me.js';
import { systemRouter } from './system.js';
import { kycRouter } from './kyc.js';
import { bankAccountsRouter } from './bank-accounts.js';
import { withdrawalsRouter } from './withdrawals.js';
import { notificationsRouter } from './notifications.js';
import { webhooksRouter } from './webhooks.js';
import { ordersRouter } from './orders.js';
import { marketRouter } from './market.js';
import { settlementsRouter } from './settlements.js';
import { registryAccountsRouter } from './registry-accounts.js';
import { certificateTransfersRouter } from './certificate-transfers.js';
import { adminRouter } from './admin.js';
import { apiKeysRouter } from './api-keys.js';
import { quotesRouter } from './quotes.js';
import { reconciliationsRouter } from './reconciliations.js';
import { statementsRouter } from './statements.js';

/** One router per resource. Each declares full paths relative to /api/v1 ('/deposits', '/ops/deposits/:id/confirm'). */
export type RouterFactory = (deps: AppDeps) => Router;

// To add a resource: write api/routes/<resource>.ts exporting `<resource>Router(deps)` (and
// registering its OpenAPI paths at import time), import it above, and add it to this list.
export const resourceRouters: RouterFactory[] = [
  authRouter,
  meRouter,
  systemRouter,
  auditLogRouter,
  depositsRouter,
  tasksRouter,
  balancesRouter,
  ledgerRouter,
  auditWorkflowsRouter,
  kycRouter,
  bankAccountsRouter,
  withdrawalsRouter,
  ordersRouter,
  marketRouter,
  settlementsRouter,
  notificationsRouter,
  webhooksRouter,
  adminRouter,
  registryAccountsRouter,
  certificateTransfersRouter,
  apiKeysRouter,
  quotesRouter,
  reconciliationsRouter,
  statementsRouter,
  // one line per resource router, above this comment
];

/** Everything under /api/v1 except the cross-cutting middleware (see createApp). */
export function apiRouter(deps: AppDeps, extra: RouterFactory[] = []): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(buildOpenApiDocument());
  });
  for (const factory of [...resourceRouters, ...extra]) router.use(factory(deps));
  return router;
}
