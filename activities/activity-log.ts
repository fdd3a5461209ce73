// One structured log line per activity execution (JSON, pino, LOG_LEVEL): the workflow it ran for,
// the activity, its attempt, how long it took and how it ended. The workflow id is the key that
// joins it to the API's request line (api/middleware/request-context.ts noteWorkflow: `reqId`,
// `userId`, `workflowId`), so one request can be followed into every step of its lifecycle, and a
// retry storm shows as attempts climbing on one workflow. Failures that Temporal will retry log at
// warn, business refusals (non-retryable) at info: they are answers, not faults.
import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { pino } from 'pino';
import { config } from '../db/config.js';

export const activityLogger = pino({ level: config.logLevel, base: { service: 'clearhouse-worker' } });

export const activityLogInterceptor: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      const { info } = ctx;
      const fields = {
        workflowId: info.workflowExecution?.workflowId ?? null,
        runId: info.workflowExecution?.runId ?? null,
        workflowType: info.workflowType,
        activity: info.activityType,
        activityId: info.activityId,
        attempt: info.attempt,
      };
      const started = performance.now();
      const ms = () => Math.round((performance.now() - started) * 10) / 10;
      try {
        const result = await next(input);
        activityLogger.info({ ...fields, ms: ms() }, 'activity completed');
        return result;
      } catch (error) {
        const refusal = error instanceof ApplicationFailure && error.nonRetryable;
        const failure = { ...fields, ms: ms(), error: (error as Error)?.message ?? String(error) };
        if (refusal) activityLogger.info({ ...failure, type: error.type }, 'activity refused');
        else activityLogger.warn(failure, 'activity failed');
        throw error;
      }
    },
  },
});
