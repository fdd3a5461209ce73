// The order lifecycle's main paths (API.md "Orders, trades, positions"), driven the way the API
// drives them: placing is an update-with-start (`started`, answered once routed or refused), the
// owner cancels and amends through Updates, and a resting order learns of its fills by Signal from
// the activity of the order that traded against it. Clients are set up as the API expects: approved
// KYC, funds (cash or certificates) in the ledger. The capture worker's paper broker is the default
// one (PaperBroker, PAPER_BROKER_JSON unset).
//
// Each scenario trades at its own price level and leaves nothing on the book, so the paths do not
// trade with one another.
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { ensureClientAccounts, ensureSystemAccounts, postEntry } from '../../../db/ledger/index.js';
import type { Actor } from '../../../domain/lifecycle.js';
import type { AssetCode } from '../../../domain/money.js';
import { depositClear, depositConfirm, registryTransferIn } from '../../../domain/postings.js';
import { dayOrderExpiry, orderWorkflowId, type OrderInput, type OrderState } from '../../../domain/order.js';
import { tradingPolicy, type TradingPolicy } from '../../../domain/trading-policy.js';
import {
  amendOrderUpdate,
  cancelOrderUpdate,
  order,
  orderStartedUpdate,
  orderStateQuery,
} from '../../../workflows/order.js';
import { insertPerson } from './people.js';
import type { CaptureContext, Scenario } from './types.js';

const POLICY: TradingPolicy = tradingPolicy({ brokerPollMs: 500 });

/** A client with `kyc` and `funds` (minor units per asset) available. */
async function trader(
  ctx: CaptureContext,
  funds: Partial<Record<AssetCode, bigint>>,
  kyc = 'APPROVED',
): Promise<Actor> {
  const actor = await insertPerson(ctx.pool, 'client');
  await ctx.pool.query(`UPDATE app_user SET kyc_status = $2 WHERE id = $1`, [actor.id, kyc]);
  await ensureSystemAccounts(ctx.pool);
  for (const [asset, amount] of Object.entries(funds) as [AssetCode, bigint][]) {
    await ensureClientAccounts(ctx.pool, actor.id, asset);
    const key = `golden-fund/${actor.id}/${asset}`;
    if (asset === 'EUR' || asset === 'USD') {
      await postEntry(ctx.pool, {
        idempotencyKey: `${key}/confirm`,
        ...depositConfirm(actor.id, asset, amount),
      });
      await postEntry(ctx.pool, { idempotencyKey: `${key}/clear`, ...depositClear(actor.id, asset, amount) });
    } else {
      await postEntry(ctx.pool, { idempotencyKey: key, ...registryTransferIn(actor.id, asset, amount, key) });
    }
  }
  return actor;
}

type OrderSpec = Pick<OrderInput, 'side' | 'quantity'> & Partial<OrderInput>;

/** What POST /orders does: start + the `started` Update. Refusals are returned, not thrown. */
async function place(ctx: CaptureContext, owner: Actor, spec: OrderSpec) {
  const policy = spec.policy ?? POLICY;
  const timeInForce = spec.timeInForce ?? 'GTC';
  const input: OrderInput = {
    businessId: randomUUID(),
    clientId: owner.id,
    clientOrderId: null,
    symbol: 'EUA',
    type: 'LIMIT',
    price: '70.00',
    expiresAt: timeInForce === 'DAY' ? dayOrderExpiry(policy, Date.now()) : null,
    policy,
    requestedBy: owner,
    ...spec,
    timeInForce,
  };
  const workflowId = orderWorkflowId(input.businessId);
  const handle: WorkflowHandle<typeof order> = ctx.client.workflow.getHandle(workflowId);
  const state = await ctx.client.workflow
    .executeUpdateWithStart(orderStartedUpdate, {
      updateId: 'started',
      startWorkflowOperation: new WithStartWorkflowOperation(order, {
        taskQueue: ctx.taskQueue,
        workflowId,
        args: [input, null],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    })
    .catch(() => null);
  return { state, handle, workflowId };
}

/** Waits for the end and checks it is the one the path is about (a capture must not pin another). */
async function closed(handle: WorkflowHandle<typeof order>, status: OrderState['status']): Promise<string> {
  const final = await handle.result();
  if (final.status !== status) throw new Error(`${handle.workflowId} ended ${final.status}, not ${status}`);
  return handle.workflowId;
}

/** Polls until the resting order has applied a fill it was Signalled. */
async function sawFill(handle: WorkflowHandle<typeof order>, fills: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await handle.query(orderStateQuery)).fills.length < fills) {
    if (Date.now() > deadline) throw new Error(`${handle.workflowId} never saw fill ${fills}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const orderScenarios: Scenario[] = [
  {
    type: 'order',
    path: 'rejected',
    description: 'KYC not approved: NEW → REJECTED kyc_required, the started Update fails',
    async run(ctx) {
      const owner = await trader(ctx, { EUR: 1_000_000n }, 'PENDING_REVIEW');
      const { handle } = await place(ctx, owner, { side: 'BUY', quantity: '1' });
      return closed(handle, 'REJECTED');
    },
  },
  {
    type: 'order',
    path: 'taker-filled',
    description: 'a BUY crosses a resting SELL: NEW → VALIDATED → ROUTED → FILLED at once',
    async run(ctx) {
      const seller = await trader(ctx, { EUA: 5n });
      const buyer = await trader(ctx, { EUR: 1_000_000n });
      const sell = await place(ctx, seller, { side: 'SELL', quantity: '5', price: '71.00' });
      const buy = await place(ctx, buyer, { side: 'BUY', quantity: '5', price: '71.00' });
      await closed(sell.handle, 'FILLED');
      return closed(buy.handle, 'FILLED');
    },
  },
  {
    type: 'order',
    path: 'maker-signalled-cancel',
    description: 'a resting SELL learns of a partial fill by Signal, then its owner cancels the rest',
    async run(ctx) {
      const seller = await trader(ctx, { EUA: 10n });
      const buyer = await trader(ctx, { EUR: 1_000_000n });
      const sell = await place(ctx, seller, { side: 'SELL', quantity: '10', price: '71.50' });
      await place(ctx, buyer, { side: 'BUY', quantity: '4', price: '71.50' });
      await sawFill(sell.handle, 1);
      await sell.handle.executeUpdate(cancelOrderUpdate, {
        args: [{ actor: seller }],
        updateId: randomUUID(),
      });
      return closed(sell.handle, 'CANCELLED');
    },
  },
  {
    type: 'order',
    path: 'amend-cancel',
    description: 'a resting BUY amended (quantity down, then a new price), then cancelled',
    async run(ctx) {
      const buyer = await trader(ctx, { EUR: 1_000_000n });
      const buy = await place(ctx, buyer, { side: 'BUY', quantity: '6', price: '69.00' });
      await buy.handle.executeUpdate(amendOrderUpdate, {
        args: [{ actor: buyer, quantity: '4' }],
        updateId: randomUUID(),
      });
      await buy.handle.executeUpdate(amendOrderUpdate, {
        args: [{ actor: buyer, price: '69.10' }],
        updateId: randomUUID(),
      });
      await buy.handle.executeUpdate(cancelOrderUpdate, { args: [{ actor: buyer }], updateId: randomUUID() });
      return closed(buy.handle, 'CANCELLED');
    },
  },
  {
    type: 'order',
    path: 'ioc-remainder',
    description: 'an IOC BUY fills part at once and the venue cancels the rest: → CANCELLED ioc_remainder',
    async run(ctx) {
      const seller = await trader(ctx, { CEA: 2n });
      const buyer = await trader(ctx, { EUR: 1_000_000n });
      await place(ctx, seller, { symbol: 'CEA', side: 'SELL', quantity: '2', price: '12.00' });
      const buy = await place(ctx, buyer, {
        symbol: 'CEA',
        side: 'BUY',
        quantity: '5',
        price: '12.00',
        timeInForce: 'IOC',
      });
      return closed(buy.handle, 'CANCELLED');
    },
  },
  {
    type: 'order',
    path: 'day-expired',
    description: 'a DAY order rests until its session close (a 2 s TTL here): → EXPIRED',
    async run(ctx) {
      const buyer = await trader(ctx, { EUR: 1_000_000n });
      const policy = tradingPolicy({ ...POLICY, dayOrderTtlMs: 2_000 });
      const buy = await place(ctx, buyer, {
        side: 'BUY',
        quantity: '3',
        price: '68.50',
        timeInForce: 'DAY',
        policy,
      });
      return closed(buy.handle, 'EXPIRED');
    },
  },
  {
    type: 'order',
    path: 'paper-filled',
    description: 'KRBN at the paper broker: placed, execution reports polled and posted until FILLED',
    async run(ctx) {
      const buyer = await trader(ctx, { USD: 1_000_000n });
      const buy = await place(ctx, buyer, { symbol: 'KRBN', side: 'BUY', quantity: '9', price: '30.00' });
      return closed(buy.handle, 'FILLED');
    },
  },
];
