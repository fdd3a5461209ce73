// The reconciliation of one statement on the lifecycle kit (api/lifecycle-kit): its descriptor, who
// may read and act, the list and the detail, and the policy new reconciliations start with.
import { z } from 'zod';
import { statementSummaries } from '../../../db/reconciliation/index.js';
import { canReadAllClients, hasAnyRole } from '../../../domain/roles.js';
import {
  RECONCILIATION_PERMISSIONS,
  RECONCILIATION_STATUSES,
  RECONCILIATION_TRANSITIONS,
  RECONCILIATION_TYPE,
  reconciliationWorkflowId,
  type ReconciliationState,
} from '../../../domain/reconciliation/lifecycle.js';
import { RECONCILIATION_POLICY_ENV } from '../../../domain/reconciliation/policy.js';
import { reconciliationStartedUpdate } from '../../../workflows/reconciliation.js';
import type { AppDeps } from '../../deps.js';
import { forbidden } from '../../errors.js';
import { lifecycleService } from '../../lifecycle-kit/service.js';
import { recordFromDetail, recordFromLifecycle, toReconciliationView } from '../../reconciliation-view.js';
import { listQuerySchema } from '../../validate.js';
import type { SessionUser } from '../common.js';
import { policyFromEnv } from '../policy-from-env.js';

/** The `reconciliation` policy new reconciliations start with (RECONCILIATION_POLICY_JSON, then stored versions). */
export const currentReconciliationPolicy = policyFromEnv(RECONCILIATION_POLICY_ENV);

export const ListReconciliationsQuerySchema = listQuerySchema.extend({
  status: z.enum(RECONCILIATION_STATUSES).optional(),
});

// ---- the lifecycle ----------------------------------------------------------------------------------

export const reconciliations = lifecycleService({
  type: RECONCILIATION_TYPE,
  noun: 'reconciliation',
  workflowId: reconciliationWorkflowId,
  transitions: RECONCILIATION_TRANSITIONS,
  permissions: RECONCILIATION_PERMISSIONS,
  startedUpdate: reconciliationStartedUpdate,
  recordOfDetail: recordFromDetail,
  recordOfSummary: recordFromLifecycle,
  load: (deps, _user, records) =>
    statementSummaries(
      deps.pool,
      records.map((r) => r.id),
    ),
  view: toReconciliationView,
  audit: {
    before: (detail) => ({ status: detail.status }),
    after: (state: ReconciliationState) => ({ status: state.status, openBreaks: state.openBreaks }),
  },
});

export function requireStaffOrAuditor(user: SessionUser): void {
  if (!canReadAllClients(user.role)) throw forbidden('reconciliations are for staff and auditors');
}
export function requireOperations(user: SessionUser, what: string): void {
  if (!hasAnyRole(user.role, ['operations'])) throw forbidden(`operations ${what}`);
}

const listPage = reconciliations.lister(ListReconciliationsQuerySchema);
export async function listReconciliations(deps: AppDeps, user: SessionUser, query: Record<string, unknown>) {
  requireStaffOrAuditor(user);
  return listPage(deps, user, query);
}
export async function getReconciliation(deps: AppDeps, user: SessionUser, id: string) {
  requireStaffOrAuditor(user);
  return reconciliations.get(deps, user, id);
}
export async function getReconciliations(deps: AppDeps, user: SessionUser, ids: readonly string[]) {
  requireStaffOrAuditor(user);
  return reconciliations.getMany(deps, user, ids);
}
export async function reconciliationWorkflowIdFor(deps: AppDeps, user: SessionUser, id: string) {
  requireStaffOrAuditor(user);
  return reconciliations.workflowIdFor(deps, user, id);
}
