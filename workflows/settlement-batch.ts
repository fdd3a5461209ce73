// A settlement batch: one per cutoff, started by the `settlement` policy's Temporal Schedule
// (activities/settlement-schedule.ts) or by operations (POST /ops/settlement-batches).
//
//   open (one activity: claim every unsettled trade up to the cutoff, net per client and asset in
//   SQL) → COLLECTED → start the client settlements a page at a time, continuing as new between
//   pages → SETTLING → poll their progress until each is delivered, confirmed, cancelled or handed
//   to operations (FAILING) → COMPLETED.
//
// History stays far below Temporal's limits whatever the batch's size: the trades never enter it
// (they stay in the database, claimed by batch id), a run starts at most `pageSize` children
// (abandoned on close, so they outlive the run that started them), and the progress loop
// continues as new when Temporal suggests it. A second batch for a cutoff that another batch holds
// ends SKIPPED at once: a batch never runs twice for one cutoff.
import {
  ParentClosePolicy,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { SettlementActivities } from '../activities/settlement.js';
import type { TimelineEntry } from '../domain/lifecycle.js';
import {
  BATCH_TRANSITIONS,
  SETTLEMENT_BATCH_TYPE,
  checkSettlementPolicy,
  clientSettlementWorkflowId,
  scheduledCutoffOf,
  type BatchAction,
  type BatchStatus,
  type SettlementBatchInput,
  type SettlementBatchState,
} from '../domain/settlement.js';
import { archiveHistoryOnClose } from './archive.js';
import { clientSettlement } from './client-settlement.js';
import { LIFECYCLE_ACTIVITY_OPTIONS, LifecycleRecorder, refusalFailure } from './lifecycle.js';

export const settlementBatchStateQuery = defineQuery<SettlementBatchState>('state');
/** Sent with a manual start (api/lifecycle-kit): answers once the batch is collected and recorded. */
export const settlementBatchStartedUpdate = defineUpdate<SettlementBatchState, []>('started');

const acts = proxyActivities<SettlementActivities>(LIFECYCLE_ACTIVITY_OPTIONS);
// Claiming and netting 10,000 trades is one transaction of a few seconds: give it room.
const { openSettlementBatch } = proxyActivities<SettlementActivities>({
  ...LIFECYCLE_ACTIVITY_OPTIONS,
  startToCloseTimeout: '2 minutes',
});

/** What a batch carries across continue-as-new. */
interface BatchCarried {
  batchId: string;
  cutoff: string;
  status: BatchStatus;
  timeline: TimelineEntry<BatchStatus>[];
  trades: number;
  settlements: number;
}

export async function settlementBatch(
  input: SettlementBatchInput,
  carried?: BatchCarried,
): Promise<SettlementBatchState> {
  const problems = checkSettlementPolicy(input.policy);
  if (problems.length > 0)
    throw refusalFailure({
      code: 'validation_failed',
      message: `the policy is not usable: ${problems.join('; ')}`,
    });
  const info = workflowInfo();
  const { policy } = input;
  // Deterministic per workflow id: the id of the first run's batch row, carried afterwards.
  const batchId = carried?.batchId ?? input.batchId ?? uuid4();
  const cutoff =
    carried?.cutoff ??
    scheduledCutoffOf(info.workflowId) ??
    input.cutoff ??
    new Date(info.startTime).toISOString();
  let trades = carried?.trades ?? 0;
  let settlements = carried?.settlements ?? 0;
  let started = input.startedThrough ?? 0;
  let skipped: string | null = null;

  const lifecycle = new LifecycleRecorder<BatchStatus, BatchAction>({
    type: SETTLEMENT_BATCH_TYPE,
    businessId: batchId,
    ownerId: null,
    table: BATCH_TRANSITIONS,
    initial: 'COLLECTED',
    startAction: 'collect',
    attributes: () => ({ cutoff, origin: input.origin, trades, settlements }),
  });
  if (carried) {
    lifecycle.status = carried.status;
    lifecycle.timeline.push(...carried.timeline);
    lifecycle.recorded = carried.timeline.length;
  }

  function snapshot(): SettlementBatchState {
    return {
      id: batchId,
      workflowId: info.workflowId,
      type: SETTLEMENT_BATCH_TYPE,
      status: skipped === null ? lifecycle.status : 'SKIPPED',
      cutoff,
      trades,
      settlements,
      started,
      closedAt: lifecycle.closedAt,
      timeline: [...lifecycle.timeline],
    };
  }
  setHandler(settlementBatchStateQuery, snapshot);
  setHandler(settlementBatchStartedUpdate, async () => {
    await condition(() => lifecycle.recorded > 0 || skipped !== null);
    if (skipped !== null) throw refusalFailure({ code: 'batch_cutoff_taken', message: skipped });
    return snapshot();
  });

  if (!carried) {
    const opened = await openSettlementBatch.executeWithOptions({ summary: `claim trades up to ${cutoff}` }, [
      { batchId, workflowId: info.workflowId, cutoff, origin: input.origin },
    ]);
    if (opened.outcome === 'cutoff_taken') {
      skipped = `the cutoff ${cutoff} belongs to ${opened.otherWorkflowId}`;
      return snapshot();
    }
    trades = opened.trades;
    settlements = opened.settlements;
    started = opened.startedThrough;
    await lifecycle.transition(null, input.requestedBy, {
      reason: `${trades} trade${trades === 1 ? '' : 's'} up to ${cutoff}, ${settlements} client settlement${settlements === 1 ? '' : 's'}`,
    });
    if (settlements === 0) {
      await acts.setSettlementBatchStatus({ batchId, status: 'COMPLETED' });
      await lifecycle.transition('empty', null, { reason: 'No trades to settle' });
      await archiveHistoryOnClose();
      return snapshot();
    }
  }

  const carry = (): BatchCarried => ({
    batchId,
    cutoff,
    status: lifecycle.status,
    timeline: [...lifecycle.timeline],
    trades,
    settlements,
  });

  // One page of children per run, then continue as new: a run's history holds at most pageSize starts.
  if (started < settlements) {
    const page = await acts.settlementPage.executeWithOptions({ summary: `settlements after #${started}` }, [
      { batchId, afterSeq: started, limit: policy.pageSize },
    ]);
    await Promise.all(
      page.map(async (ref) => {
        try {
          await startChild(clientSettlement, {
            workflowId: clientSettlementWorkflowId(ref.settlementId),
            args: [{ settlementId: ref.settlementId, batchId, clientId: ref.clientId, cutoff, policy }],
            parentClosePolicy: ParentClosePolicy.ABANDON,
            staticSummary: `Settlement #${ref.seq} of the batch cut off at ${cutoff}`,
          });
        } catch (error) {
          // Started by an earlier run that failed before it recorded the page: it is running.
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        }
      }),
    );
    const last = page.at(-1);
    if (!last) throw new Error(`batch ${batchId}: no settlements after #${started} of ${settlements}`);
    started = last.seq;
    await acts.recordSettlementsStarted({ batchId, throughSeq: started });
    if (lifecycle.status === 'COLLECTED')
      await lifecycle.transition('settle', null, { reason: `Settling ${settlements} client settlements` });
    return continueAsNew<typeof settlementBatch>({ ...input, startedThrough: started }, carry());
  }

  // Every settlement started: wait until none is still on its way (FAILING ones are operations' now).
  for (;;) {
    const progress = await acts.settlementBatchProgress({ batchId });
    if (progress.INITIATED + progress.PROCESSED === 0) {
      await acts.setSettlementBatchStatus({ batchId, status: 'COMPLETED' });
      await lifecycle.transition('complete', null, {
        reason:
          `${progress.DELIVERED + progress.CONFIRMED} delivered` +
          (progress.FAILING > 0 ? `, ${progress.FAILING} with operations` : '') +
          (progress.CANCELLED > 0 ? `, ${progress.CANCELLED} cancelled` : ''),
      });
      break;
    }
    if (workflowInfo().continueAsNewSuggested)
      return continueAsNew<typeof settlementBatch>({ ...input, startedThrough: started }, carry());
    await sleep(policy.progressPollMs);
  }
  await archiveHistoryOnClose();
  return snapshot();
}
