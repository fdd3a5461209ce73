// What the deposit workflow's tests share: a policy in seconds, and a deposit announced for a fresh
// client with ledger accounts, started on the test worker's queue as the API would start it.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandleWithStartDetails, WorkflowStartOptions } from '@temporalio/client';
import { ensureClientAccounts } from '../../db/ledger/index.js';
import { getPool } from '../../db/pool.js';
import {
  depositPolicy,
  depositReference,
  depositStaticSummary,
  depositWorkflowId,
  type DepositInput,
  type DepositPolicy,
} from '../../domain/deposit.js';
import type { Actor } from '../../domain/lifecycle.js';
import { deposit } from '../../workflows/deposit.js';
import type { TestTemporal } from './temporal.js';

export const SECOND = 1000;

/**
 * A deposit policy in seconds, not days. The announcement window, long hold and AML review are long
 * enough that they never end inside a test unless `overrides` shortens them.
 */
export function testDepositPolicy(overrides: Partial<DepositPolicy>): DepositPolicy {
  return depositPolicy({
    announcementWindowMs: 120 * SECOND,
    longHoldMs: 120 * SECOND,
    amlReviewDueMs: 60 * SECOND,
    ...overrides,
  });
}

export interface DepositAnnouncement {
  amount: string;
  policy: DepositPolicy;
  clientId?: string;
  businessId?: string;
  wireReference?: string | null;
  /** Labelled for the Temporal UI (`staticSummary`), as the API starts it. */
  summarised?: boolean;
  /** What a second start with the same business id does (the API's retried request). */
  start?: Pick<WorkflowStartOptions, 'workflowIdConflictPolicy' | 'workflowIdReusePolicy'>;
}

export interface AnnouncedDeposit {
  handle: WorkflowHandleWithStartDetails<typeof deposit>;
  input: DepositInput;
  client: Actor;
}

/** A deposit in EUR announced by its client (a fresh one unless `clientId`), with its accounts. */
export async function announceDeposit(
  t: TestTemporal,
  announcement: DepositAnnouncement,
): Promise<AnnouncedDeposit> {
  const clientId = announcement.clientId ?? randomUUID();
  await ensureClientAccounts(getPool(), clientId, 'EUR');
  const businessId = announcement.businessId ?? randomUUID();
  const input: DepositInput = {
    businessId,
    clientId,
    amount: announcement.amount,
    currency: 'EUR',
    reference: depositReference(businessId),
    wireReference: announcement.wireReference ?? null,
    policy: announcement.policy,
    requestedBy: { id: clientId, role: 'client' },
  };
  const handle = await t.client.workflow.start(deposit, {
    taskQueue: t.taskQueue,
    workflowId: depositWorkflowId(businessId),
    args: [input],
    staticSummary: announcement.summarised ? depositStaticSummary(input) : undefined,
    ...announcement.start,
  });
  return { handle, input, client: { id: clientId, role: 'client' } };
}
