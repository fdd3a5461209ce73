// The matching activity run outside a worker (the heartbeat test, bench:reconciliation): a mock
// activity environment on the statement's workflow id, after the lifecycle row the workflow's first
// transition writes (the break tasks belong to it).
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import type pg from 'pg';
import { createLifecycleActivities } from '../../activities/lifecycle.js';
import { timelineEntry } from '../../domain/lifecycle.js';
import { RECONCILIATION_TYPE, reconciliationWorkflowId } from '../../domain/reconciliation/lifecycle.js';

export async function importedReconciliation(
  pool: pg.Pool,
  statementId: string,
  lines: number,
  reason: string,
): Promise<{ workflowId: string; env: MockActivityEnvironment }> {
  const workflowId = reconciliationWorkflowId(statementId);
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId, runId: randomUUID() } });
  await env.run(createLifecycleActivities(pool).recordTransition, {
    workflowId,
    type: RECONCILIATION_TYPE,
    businessId: statementId,
    ownerId: null,
    seq: 1,
    action: 'import',
    entry: timelineEntry(Date.now(), null, 'IMPORTED', null, reason),
    attributes: { lines },
  });
  return { workflowId, env };
}
