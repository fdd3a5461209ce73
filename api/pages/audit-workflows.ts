// The auditor's workflow pages (web/app/routes/audit.workflows*.tsx), in-process: the same service
// functions and role checks as the JSON routes under /audit/workflows.
import type { AppDeps } from '../deps.js';
import * as audit from '../services/audit-workflows.js';
import type { WebUser } from './load-context.js';

export function auditWorkflowWebServices(deps: AppDeps) {
  return {
    search: (user: WebUser, query: audit.SearchWorkflowsQuery) => audit.searchWorkflows(deps, user, query),
    detail: (user: WebUser, workflowId: string) => audit.workflowAuditDetail(deps, user, workflowId),
    replay: (user: WebUser, workflowId: string) => audit.replayWorkflow(deps, user, workflowId),
  };
}

export type AuditWorkflowWebServices = ReturnType<typeof auditWorkflowWebServices>;
