// Settlement as operations and clients take it: two clients trade (the order_cross steps), then
// operations start a batch (POST /ops/settlement-batches), which claims every unsettled trade of the
// run up to now — this lifecycle's and any other's — and nets them into one settlement per client.
// This lifecycle drives every settlement of its batch: delivered through the registry (a registry
// outage longer than the run's delivery window makes it FAILING; operations retry until the registry
// is back), then each owner confirms the receipt → CONFIRMED; the batch COMPLETED.
import { randomUUID } from 'node:crypto';
import type { Session } from '../client.js';
import { sleep } from '../random.js';
import type { Driver } from './driver.js';
import { ScenarioStop, type KindDescriptor, type Resource } from './model.js';
import { runOrderCross } from './order.js';

interface SettlementBody {
  id: string;
  workflowId: string;
  clientId: string;
  status: string;
  tradeIds: string[];
}

/** Every settlement of the batch, once its workflow recorded all `count` (they start right after it). */
async function settlementsOf(driver: Driver, batchId: string, count: number): Promise<SettlementBody[]> {
  for (;;) {
    const found: SettlementBody[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/settlements?batchId=${batchId}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const answer = await driver.send(driver.world.staff.ops, { method: 'GET', path });
      driver.expect(answer, 200, 'list the batch settlements');
      found.push(...(answer.body.items as SettlementBody[]));
      cursor = answer.body.nextCursor;
    } while (cursor);
    if (found.length >= count) return found;
    if (Date.now() >= driver.deadline)
      throw new ScenarioStop('timed_out', `batch ${batchId}: ${found.length} of ${count} settlements listed`);
    await sleep(driver.world.pollMs);
  }
}

/** One settlement to CONFIRMED: retried by operations while FAILING, then its owner confirms receipt. */
async function settle(driver: Driver, settlement: Resource): Promise<void> {
  const { ops } = driver.world.staff;
  const owner: Session | null = await driver.world.sessionOf(settlement.ownerId);
  if (!owner)
    throw new ScenarioStop(
      'harness',
      `settlement ${settlement.id}: client ${settlement.ownerId} is no client of the run`,
    );
  while (settlement.lastStatus !== 'CONFIRMED') {
    await driver.waitFor(settlement, 'DELIVERED|FAILING|CONFIRMED');
    if (settlement.lastStatus === 'FAILING') {
      const answer = await driver.send(ops, {
        method: 'POST',
        path: `/ops/settlements/${settlement.id}/retry`,
        json: { note: 'registry back' },
        requestId: `chaos-${randomUUID()}`,
      });
      // The registry still down: 422 delivery_failed, the settlement stays FAILING; later again.
      if (answer.status === 422 && answer.code === 'delivery_failed') {
        await sleep(1_000);
        continue;
      }
      driver.expect(answer, 200, 'retry settlement');
      driver.track(settlement, answer, ['DELIVERED', 'CONFIRMED'], 'retry settlement');
      continue;
    }
    if (settlement.lastStatus !== 'DELIVERED') continue;
    const answer = await driver.send(owner, {
      method: 'POST',
      path: `/settlements/${settlement.id}/confirm-receipt`,
      json: {},
      requestId: `chaos-${randomUUID()}`,
    });
    driver.expect(answer, 200, 'confirm receipt');
    driver.track(settlement, answer, ['CONFIRMED'], 'confirm receipt');
  }
}

export async function runSettlement(maker: Driver, taker: Driver): Promise<void> {
  await runOrderCross(maker, taker);
  // Lost, the batch still settles what it claimed: its settlements delivered (check-batch-settlements.ts
  // adopts them), none confirmed, so it stays SETTLING; one that claimed nothing is COMPLETED.
  const started = await maker.create(
    maker.world.staff.ops,
    '/ops/settlement-batches',
    { json: {} },
    'start batch',
    {
      type: 'settlement_batch',
      intended: 'SETTLING|COMPLETED',
      amountMinor: 0n,
    },
  );
  const batch = maker.add(
    {
      type: 'settlement_batch',
      id: started.body.id,
      workflowId: started.body.workflowId,
      intended: 'COMPLETED',
      amountMinor: 0n,
    },
    started,
  );
  const bodies = await settlementsOf(maker, batch.id, Number(started.body.settlements ?? 0));
  const settlements = bodies.map((body) =>
    maker.add(
      {
        type: 'settlement',
        id: body.id,
        workflowId: body.workflowId,
        intended: 'CONFIRMED',
        amountMinor: 0n,
        ownerId: body.clientId,
        detail: { tradeIds: body.tradeIds },
      },
      { status: 200, code: null, body, attempts: 1, gaveUp: false },
    ),
  );
  const done = await Promise.allSettled(settlements.map((s) => settle(maker, s)));
  const failed = done.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  await maker.waitFor(batch, 'COMPLETED');
}

export const SETTLEMENT_KINDS: Record<string, KindDescriptor> = {
  // The trade's five (two KYC reviews, a deposit, two orders) and the batch; its settlements besides.
  settlement_confirmed: {
    weight: 5,
    intended: 'COMPLETED',
    mainType: 'settlement_batch',
    partners: ['registry'],
    resources: 6,
    counterparty: true,
    run: (maker, taker) => {
      if (!taker) throw new Error('settlement_confirmed runs with a counterparty');
      return runSettlement(maker, taker);
    },
  },
};
