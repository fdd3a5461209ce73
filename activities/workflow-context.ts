// What every posting activity needs of its context: the workflow it runs for (ledger idempotency
// keys are `<workflowId>/<step>`, entries name the workflow, run and activity) and the one shape of
// a business refusal (non-retryable: the workflow decides what follows), the ledger's included.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { isLedgerError, type LedgerErrorCode } from '../db/ledger/index.js';

export interface ActivityExecution {
  workflowId: string;
  runId: string;
  activity: string;
  attempt: number;
}

/** The running activity's workflow; an activity called outside a workflow is a bug. */
export function workflowExecution(): ActivityExecution {
  const info = Context.current().info;
  const run = info.workflowExecution;
  if (!run)
    throw ApplicationFailure.nonRetryable(`${info.activityType} runs from a workflow`, 'invalid_call');
  return { workflowId: run.workflowId, runId: run.runId, activity: info.activityType, attempt: info.attempt };
}

/** A business refusal: retrying cannot help. `details` travels as the failure's first detail. */
export function businessRefusal(type: string, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    details: details === undefined ? [] : [details],
  });
}

/**
 * The ledger saying no (insufficient funds, a flag, a key reused with another payload) is a business
 * refusal under the ledger's code: retried, it answers the same, and the workflow (and the Update
 * waiting on it) would never hear. `renamed` gives a code the lifecycle's own word. Anything else is
 * rethrown as it is, for the retry policy.
 */
export function ledgerRefusal(error: unknown, renamed: Partial<Record<LedgerErrorCode, string>> = {}): never {
  if (isLedgerError(error))
    throw businessRefusal(renamed[error.code] ?? error.code, error.message, error.details);
  throw error;
}
