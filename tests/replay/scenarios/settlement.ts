// Settlement's main paths (API.md "Settlement"): a batch started the way POST /ops/settlement-batches
// starts one (manual origin, its own cutoff), its client settlements as its children, and the human
// actions as the API sends them (confirm_receipt by the owner; retry / cancel by operations).
//
// Trades come straight from the internal venue on a fresh test instrument (db/venue/test-support.ts),
// each with its fill postings, so no order workflow is involved. A batch claims every unsettled trade
// up to its cutoff: each scenario runs its own batch and waits for it, and the empty batch is cut off
// before any trade existed. The capture worker's registry is the default SimulatedRegistry (no
// faults): the failing paths are a pending settlement made short on purpose, which the settlement
// answers with an exception instead of a delivery.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { postEntry } from '../../../db/ledger/index.js';
import { newClient, placeOrder, testInstrument } from '../../../db/venue/test-support.js';
import type { Instrument } from '../../../domain/instruments.js';
import type { Actor } from '../../../domain/lifecycle.js';
import { clientAccountCode } from '../../../domain/postings.js';
import {
  clientSettlementWorkflowId,
  settlementBatchWorkflowId,
  settlementPolicy,
  type ClientSettlementState,
  type SettlementStatus,
} from '../../../domain/settlement.js';
import {
  cancelSettlementUpdate,
  clientSettlement,
  clientSettlementStateQuery,
  confirmReceiptUpdate,
  retrySettlementUpdate,
} from '../../../workflows/client-settlement.js';
import { settlementBatch } from '../../../workflows/settlement-batch.js';
import type { CaptureContext, CapturedRun, Scenario } from './types.js';

const POLICY = settlementPolicy({
  calendar: { kind: 'interval', everySeconds: 86_400 },
  progressPollMs: 300,
  deliveryRetryWindowMs: 3_000,
  confirmationWindowMs: 2_000,
});
/** For the paths a person confirms: the window must not run out first. */
const LONG_WINDOW = { ...POLICY, confirmationWindowMs: 600_000 };

/** Two clients of a fresh instrument; `seller` sells `quantity` to `buyer` at 70.00. */
async function tradedPair(ctx: CaptureContext, quantity = 5n) {
  const instrument = await testInstrument(ctx.pool, 'EUA');
  const seller = await newClient(ctx.pool, instrument, 0n, 100n);
  const buyer = await newClient(ctx.pool, instrument, 10_000_000n, 0n);
  await placeOrder(ctx.pool, instrument, { clientId: seller, side: 'SELL', quantity, price: 7000n });
  const buy = await placeOrder(ctx.pool, instrument, {
    clientId: buyer,
    side: 'BUY',
    quantity,
    price: 7000n,
  });
  if (buy.result.fills.length !== 1) throw new Error('the capture trade did not cross');
  return { instrument, seller, buyer };
}

/** What POST /ops/settlement-batches starts; returns the handle once the batch has closed. */
async function runBatch(ctx: CaptureContext, policy = POLICY, cutoff = new Date().toISOString()) {
  const batchId = randomUUID();
  const handle = await ctx.client.workflow.start(settlementBatch, {
    taskQueue: ctx.taskQueue,
    workflowId: settlementBatchWorkflowId(batchId),
    args: [{ batchId, origin: 'manual', requestedBy: ctx.staff.operations, policy, cutoff }],
  });
  const final = await handle.result();
  if (final.status !== 'COMPLETED') throw new Error(`${handle.workflowId} ended ${final.status}`);
  return { batchId, handle };
}

/** The child settling `clientId` in `batchId`, once it reached `status`. */
async function settlementOf(
  ctx: CaptureContext,
  batchId: string,
  clientId: string,
  status: SettlementStatus,
): Promise<WorkflowHandle<typeof clientSettlement>> {
  const { rows } = await ctx.pool.query<{ id: string }>(
    'SELECT id FROM client_settlement WHERE batch_id = $1 AND client_id = $2',
    [batchId, clientId],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error(`no settlement of ${clientId} in ${batchId}`);
  const handle = ctx.client.workflow.getHandle<typeof clientSettlement>(clientSettlementWorkflowId(id));
  const deadline = Date.now() + 30_000;
  let state: ClientSettlementState;
  while ((state = await handle.query(clientSettlementStateQuery)).status !== status) {
    if (Date.now() > deadline) throw new Error(`${handle.workflowId} is ${state.status}, never ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return handle;
}

async function closed(handle: WorkflowHandle<typeof clientSettlement>, status: SettlementStatus) {
  const final = await handle.result();
  if (final.status !== status) throw new Error(`${handle.workflowId} ended ${final.status}, not ${status}`);
  return handle.workflowId;
}

/**
 * Moves `quantity` of the buyer's pending settlement to available before the batch, the way a wrong
 * manual correction would: the settlement then finds less than it must release. `back` undoes it.
 */
async function shiftPending(
  ctx: CaptureContext,
  instrument: Instrument,
  clientId: string,
  quantity: bigint,
  back = false,
) {
  const pending = clientAccountCode(clientId, instrument.asset, 'pending_settlement');
  const available = clientAccountCode(clientId, instrument.asset, 'available');
  await postEntry(ctx.pool, {
    idempotencyKey: `golden-shift/${clientId}/${back ? 'back' : 'out'}`,
    kind: 'golden.correction',
    description: back ? 'Correction undone' : 'A mistaken correction of pending settlement',
    transfers: [
      back
        ? { debit: available, credit: pending, amount: quantity }
        : { debit: pending, credit: available, amount: quantity },
    ],
  });
}

const ops = (ctx: CaptureContext): Actor => ctx.staff.operations;

export const settlementBatchScenarios: Scenario[] = [
  {
    type: 'settlementBatch',
    path: 'empty',
    description: 'a cutoff before any trade: COLLECTED → COMPLETED with nothing to settle',
    async run(ctx) {
      const { handle } = await runBatch(ctx, POLICY, '2020-01-01T00:00:00.000Z');
      return handle.workflowId;
    },
  },
  {
    type: 'settlementBatch',
    path: 'collected-first-run',
    description: 'the first run: trades claimed and netted, a page of children started, continued as new',
    async run(ctx): Promise<CapturedRun> {
      await tradedPair(ctx);
      const { handle } = await runBatch(ctx);
      return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
    },
  },
  {
    type: 'settlementBatch',
    path: 'completed',
    description: 'the last run: polls its settlements until each is delivered → COMPLETED',
    async run(ctx) {
      await tradedPair(ctx);
      const { handle } = await runBatch(ctx);
      return handle.workflowId;
    },
  },
];

export const clientSettlementScenarios: Scenario[] = [
  {
    type: 'clientSettlement',
    path: 'confirmed',
    description: 'INITIATED → PROCESSED → DELIVERED, then the client confirms receipt → CONFIRMED',
    async run(ctx) {
      const { buyer } = await tradedPair(ctx);
      const { batchId } = await runBatch(ctx, LONG_WINDOW);
      const handle = await settlementOf(ctx, batchId, buyer, 'DELIVERED');
      await handle.executeUpdate(confirmReceiptUpdate, {
        args: [{ actor: { id: buyer, role: 'client' } }],
        updateId: randomUUID(),
      });
      return closed(handle, 'CONFIRMED');
    },
  },
  {
    type: 'clientSettlement',
    path: 'auto-confirmed',
    description: 'delivered and not confirmed by the client: CONFIRMED by itself after the window',
    async run(ctx) {
      const { seller } = await tradedPair(ctx);
      const { batchId } = await runBatch(ctx);
      return closed(await settlementOf(ctx, batchId, seller, 'DELIVERED'), 'CONFIRMED');
    },
  },
  {
    type: 'clientSettlement',
    path: 'short-retried',
    description:
      'pending settlement short → FAILING with an exception; put right, operations retry → DELIVERED',
    async run(ctx) {
      const { instrument, buyer } = await tradedPair(ctx);
      await shiftPending(ctx, instrument, buyer, 2n);
      const { batchId } = await runBatch(ctx);
      const handle = await settlementOf(ctx, batchId, buyer, 'FAILING');
      await shiftPending(ctx, instrument, buyer, 2n, true);
      await handle.executeUpdate(retrySettlementUpdate, {
        args: [{ actor: ops(ctx), note: 'correction undone' }],
        updateId: randomUUID(),
      });
      return closed(handle, 'CONFIRMED');
    },
  },
  {
    type: 'clientSettlement',
    path: 'short-cancelled',
    description: 'pending settlement short → FAILING; operations cancel with a reason → CANCELLED',
    async run(ctx) {
      const { instrument, buyer } = await tradedPair(ctx);
      await shiftPending(ctx, instrument, buyer, 1n);
      const { batchId } = await runBatch(ctx);
      const handle = await settlementOf(ctx, batchId, buyer, 'FAILING');
      await handle.executeUpdate(cancelSettlementUpdate, {
        args: [{ actor: ops(ctx), reason: 'Settled outside the platform' }],
        updateId: randomUUID(),
      });
      return closed(handle, 'CANCELLED');
    },
  },
];
