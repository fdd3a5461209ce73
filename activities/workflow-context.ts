// What every posting activity needs of its context: the workflow it runs for (ledger idempotency
// keys are `<workflowId>/<step>`, entries name the workflow, run and activity) and the one shape of
// a business refusal (non-retryable: the workflow decides what follows).
import { ApplicationFailure, Context } from '@temporalio/activity';

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
