// One client's settlement of one batch (a child of workflows/settlement-batch.ts): INITIATED →
// PROCESSED (legs checked against the ledger) → DELIVERED (certificates through the registry,
// exactly once per transfer id; `settlement.deliver` posted) → CONFIRMED (by the client, or by
// itself after the policy's window). A refused or unreachable delivery → FAILING with an exception
// task for operations, who retry (a new round, new transfer ids) or cancel with a reason. Rules live
// in domain/settlement.ts; the plumbing in workflows/lifecycle.ts.
import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { DeliverLegResult, SettlementActivities, SettlementLegJson } from '../activities/settlement.js';
import { formatAmount, parseAmount, type AssetCode } from '../domain/money.js';
import {
  CLIENT_SETTLEMENT_TYPE,
  SETTLEMENT_TASKS,
  SETTLEMENT_TRANSITIONS,
  checkCancelSettlement,
  checkClientSettlementInput,
  checkConfirmReceipt,
  checkRetry,
  expectedTimes,
  settlementTransferId,
  type CancelSettlementArgs,
  type ClientSettlementInput,
  type ClientSettlementState,
  type ConfirmReceiptArgs,
  type RetrySettlementArgs,
  type SettlementAction,
  type SettlementLegView,
  type SettlementStatus,
} from '../domain/settlement.js';
import { archiveHistoryOnClose } from './archive.js';
import {
  CommandSlot,
  LIFECYCLE_ACTIVITY_OPTIONS,
  LifecycleRecorder,
  guard,
  refusalFailure,
  type Deadline,
} from './lifecycle.js';

// ---------------------------------------------------------------------------------------------
// Messages (the API imports these definitions to call the workflow).

export const clientSettlementStateQuery = defineQuery<ClientSettlementState>('state');
export const clientSettlementStartedUpdate = defineUpdate<ClientSettlementState, []>('started');
export const retrySettlementUpdate = defineUpdate<ClientSettlementState, [RetrySettlementArgs]>('retry');
export const cancelSettlementUpdate = defineUpdate<ClientSettlementState, [CancelSettlementArgs]>('cancel');
export const confirmReceiptUpdate = defineUpdate<ClientSettlementState, [ConfirmReceiptArgs]>(
  'confirm_receipt',
);

const { processClientSettlement, deliverClientSettlement, setClientSettlementStatus } =
  proxyActivities<SettlementActivities>(LIFECYCLE_ACTIVITY_OPTIONS);

type Command =
  | { action: 'retry'; args: RetrySettlementArgs }
  | { action: 'cancel'; args: CancelSettlementArgs }
  | { action: 'confirm_receipt'; args: ConfirmReceiptArgs };

/** Certificates still to move for one asset, and how each round at the registry went. */
interface LegProgress {
  leg: SettlementLegJson;
  delivered: boolean;
}

export async function clientSettlement(input: ClientSettlementInput): Promise<ClientSettlementState> {
  guard(checkClientSettlementInput(input));
  const { settlementId, batchId, clientId, cutoff, policy } = input;

  // A registry outage is retried for the policy's window, then the delivery fails (FAILING): the
  // same transfer id on every attempt, so an answer lost in the outage never delivers twice.
  const { deliverSettlementLeg } = proxyActivities<SettlementActivities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: policy.deliveryRetryWindowMs,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });

  let legs: SettlementLegJson[] = [];
  let progress: LegProgress[] = [];
  let round = 0;
  let deliveredAt: string | null = null;
  let failure: string | null = null;
  let shortfall: string | null = null;
  const deliveries: ClientSettlementState['deliveries'] = [];

  const lifecycle = new LifecycleRecorder<SettlementStatus, SettlementAction>({
    type: CLIENT_SETTLEMENT_TYPE,
    businessId: settlementId,
    ownerId: clientId,
    table: SETTLEMENT_TRANSITIONS,
    initial: 'INITIATED',
    startAction: 'initiate',
    attributes: () => ({
      batchId,
      cutoff,
      legs: legViews(),
      expected: expectedTimes(cutoff, policy, deliveredAt),
      failure,
    }),
  });
  const { workflowId } = lifecycle;
  const commands = new CommandSlot<Command, ClientSettlementState>({
    noun: 'settlement',
    status: () => lifecycle.status,
    answer: snapshot,
  });

  function legViews(): SettlementLegView[] {
    const views: SettlementLegView[] = [];
    for (const leg of legs) {
      const net = signedMinor(leg.asset, leg.net);
      if (net === 0n) continue;
      views.push({
        asset: leg.asset,
        direction: net > 0n ? 'RECEIVE' : 'DELIVER',
        amount: formatAmount(leg.asset, net > 0n ? net : -net),
      });
    }
    return views;
  }

  function snapshot(): ClientSettlementState {
    return {
      id: settlementId,
      workflowId,
      type: CLIENT_SETTLEMENT_TYPE,
      batchId,
      clientId,
      status: lifecycle.status,
      cutoff,
      legs: legViews(),
      expected: expectedTimes(cutoff, policy, deliveredAt),
      deliveries: [...deliveries],
      failure,
      closedAt: lifecycle.closedAt,
      timeline: [...lifecycle.timeline],
    };
  }

  const view = () => ({ status: lifecycle.status, clientId });

  // --- Steps ------------------------------------------------------------------------------------

  async function process(): Promise<void> {
    const processed = await processClientSettlement.executeWithOptions({ summary: 'check legs' }, [
      { settlementId },
    ]);
    legs = processed.legs;
    progress = legs.map((leg) => ({ leg, delivered: false }));
    shortfall = processed.shortfall;
    await lifecycle.transition('process', null, {
      reason: `Netted ${processed.tradeCount} trade${processed.tradeCount === 1 ? '' : 's'}: ${describeLegs(legViews())}`,
    });
  }

  /** One round at the registries for every leg not delivered yet; the reason of a failure, or null. */
  async function deliverRound(): Promise<string | null> {
    round += 1;
    for (const item of progress) {
      if (item.delivered) continue;
      const transferId = settlementTransferId(workflowId, item.leg.asset, round);
      let answer: DeliverLegResult;
      try {
        answer = await deliverSettlementLeg.executeWithOptions(
          { summary: `deliver ${item.leg.asset} (round ${round})` },
          [{ transferId, asset: item.leg.asset, net: item.leg.net }],
        );
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        const reason = `registry unreachable for ${item.leg.asset}: ${error.cause?.message ?? error.message}`;
        deliveries.push({ asset: item.leg.asset, transferId, outcome: 'UNREACHABLE' });
        return reason;
      }
      if (answer.status === 'BOOK_ENTRY') {
        item.delivered = true;
        continue;
      }
      deliveries.push({ asset: item.leg.asset, transferId, outcome: answer.status });
      if (answer.status === 'REJECTED') return `registry rejected ${item.leg.asset}: ${answer.reason}`;
      item.delivered = true;
    }
    const done = await deliverClientSettlement.executeWithOptions({ summary: 'settlement.deliver' }, [
      { settlementId },
    ]);
    deliveredAt = done.deliveredAt;
    failure = null;
    return null;
  }

  /**
   * A pending settlement short of the releases (the fills should have put them there): nothing is
   * delivered; it is an exception for operations, not a failed workflow. Re-checked on each retry.
   */
  async function recheckShortfall(): Promise<string | null> {
    if (shortfall === null) return null;
    const processed = await processClientSettlement.executeWithOptions({ summary: 're-check legs' }, [
      { settlementId },
    ]);
    shortfall = processed.shortfall;
    return shortfall === null ? null : `pending settlement short: ${shortfall}`;
  }

  async function firstDelivery(): Promise<void> {
    const reason = shortfall !== null ? `pending settlement short: ${shortfall}` : await deliverRound();
    if (reason === null) {
      await lifecycle.transition('deliver', null, { reason: `Delivered: ${describeLegs(legViews())}` });
      return;
    }
    failure = reason;
    await setClientSettlementStatus.executeWithOptions({ summary: 'FAILING' }, [
      { settlementId, status: 'FAILING' },
    ]);
    await lifecycle.transition('fail', null, {
      reason,
      openTasks: [
        {
          kind: SETTLEMENT_TASKS.exception,
          requiredRole: 'operations',
          subjectType: CLIENT_SETTLEMENT_TYPE,
          subjectId: settlementId,
          dueAt: null,
          summary: `Settlement delivery failed (${reason}); retry or cancel`,
          priority: 10,
        },
      ],
    });
  }

  async function retry(args: RetrySettlementArgs): Promise<void> {
    const reason = (await recheckShortfall()) ?? (await deliverRound());
    if (reason !== null) {
      failure = reason;
      // Stays FAILING, the task open: the operator learns why at once.
      throw refusalFailure({ code: 'delivery_failed', message: `the delivery failed again: ${reason}` });
    }
    await lifecycle.transition('retry', args.actor, {
      reason: args.note?.trim() || 'Delivered on retry',
      data: { note: args.note?.trim() || null, round },
      closeTasks: [{ kind: SETTLEMENT_TASKS.exception, outcome: 'retried', completedBy: args.actor.id }],
    });
  }

  async function cancel(args: CancelSettlementArgs): Promise<void> {
    await setClientSettlementStatus.executeWithOptions({ summary: 'CANCELLED' }, [
      { settlementId, status: 'CANCELLED' },
    ]);
    await lifecycle.transition('cancel', args.actor, {
      reason: args.reason.trim(),
      closeTasks: [{ kind: SETTLEMENT_TASKS.exception, outcome: 'cancelled', completedBy: args.actor.id }],
    });
  }

  async function confirm(action: 'confirm_receipt' | 'auto_confirm', args: ConfirmReceiptArgs | null) {
    await setClientSettlementStatus.executeWithOptions({ summary: 'CONFIRMED' }, [
      { settlementId, status: 'CONFIRMED' },
    ]);
    await lifecycle.transition(action, args?.actor ?? null, {
      reason: args ? 'Receipt confirmed by the client' : 'Confirmed: the confirmation window passed',
    });
  }

  async function run(command: Command): Promise<void> {
    switch (command.action) {
      case 'retry':
        return retry(command.args);
      case 'cancel':
        return cancel(command.args);
      case 'confirm_receipt':
        return confirm('confirm_receipt', command.args);
    }
  }

  function deadline(): Deadline | null {
    if (lifecycle.status !== 'DELIVERED' || deliveredAt === null) return null;
    return {
      atMs: Date.parse(deliveredAt) + policy.confirmationWindowMs,
      summary: 'confirmation window',
    };
  }

  // --- Messages -------------------------------------------------------------------------------

  setHandler(clientSettlementStateQuery, snapshot);
  lifecycle.answerStarted(clientSettlementStartedUpdate, snapshot);
  commands.handle(
    retrySettlementUpdate,
    (args) => checkRetry(view(), args),
    (args) => ({ action: 'retry', args }),
  );
  commands.handle(
    cancelSettlementUpdate,
    (args) => checkCancelSettlement(view(), args),
    (args) => ({ action: 'cancel', args }),
  );
  commands.handle(
    confirmReceiptUpdate,
    (args) => checkConfirmReceipt(view(), args),
    (args) => ({ action: 'confirm_receipt', args }),
  );

  // --- Main path ------------------------------------------------------------------------------

  await commands.system(async () => {
    await lifecycle.transition(null, null, { reason: `Settlement of the batch cut off at ${cutoff}` });
    await process();
    await firstDelivery();
  });
  await commands.loop({
    done: () => lifecycle.terminal,
    deadline,
    run,
    elapsed: () => confirm('auto_confirm', null),
  });

  await condition(allHandlersFinished);
  await archiveHistoryOnClose();
  return snapshot();
}

function signedMinor(asset: AssetCode, text: string): bigint {
  return text.startsWith('-')
    ? -parseAmount(asset, text.slice(1))
    : parseAmount(asset, text, { allowZero: true });
}

function describeLegs(legs: readonly SettlementLegView[]): string {
  if (legs.length === 0) return 'nothing to move after netting';
  return legs
    .map((l) => `${l.direction === 'RECEIVE' ? 'receive' : 'deliver'} ${l.amount} ${l.asset}`)
    .join(', ');
}
