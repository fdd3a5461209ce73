// Helpers for the venue's own tests (real PostgreSQL, the scratch database of the vitest run). Every
// test trades its own instrument (a fresh symbol with the terms of EUA or CEA), so test files and
// tests never meet in one book, and uses fresh clients.
import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { instrumentOf } from '../../domain/instruments.js';
import type { AssetCode } from '../../domain/money.js';
import { reserveAmount, reserveAsset } from '../../domain/order.js';
import type { OrderKind, OrderSide, TimeInForce } from '../../domain/order-types.js';
import {
  clientAccountCode,
  depositClear,
  depositConfirm,
  orderReserve,
  registryTransferIn,
} from '../../domain/postings.js';
import {
  ensureClientAccounts,
  ensureSystemAccounts,
  holdEntry,
  postEntry,
  trialBalance,
  type Db,
} from '../ledger/index.js';
import { uniqueKey } from '../ledger/test-support.js';
import { ensureInstruments, submitOrder, type VenueOrderResult } from './index.js';
import { loadInstrument } from './instruments.js';
import type { Instrument } from '../../domain/instruments.js';

export const FEES = { makerFeeBps: 10, takerFeeBps: 20 };

/** A fresh internal instrument with the terms of `like` (EUA or CEA): its own, empty book. */
export async function testInstrument(db: Db, like: 'EUA' | 'CEA' = 'EUA'): Promise<Instrument> {
  await ensureSystemAccounts(db);
  await ensureInstruments(db);
  const base = instrumentOf(like);
  if (!base) throw new Error(`no instrument ${like}`);
  const symbol = `T${randomBytes(5).toString('hex').toUpperCase()}`;
  await db.query(
    `INSERT INTO instrument (symbol, asset, quote_asset, venue, tick_size, lot_size, reference_price, price_band_pct)
     SELECT $1, asset, quote_asset, venue, tick_size, lot_size, reference_price, price_band_pct
       FROM instrument WHERE symbol = $2`,
    [symbol, like],
  );
  const loaded = await loadInstrument(db, symbol, null);
  if (!loaded) throw new Error(`instrument ${symbol} not created`);
  return loaded.instrument;
}

/** A new client with `cash` of the quote asset and `units` of the traded asset, available. */
export async function newClient(
  db: Db,
  instrument: Instrument,
  cash: bigint,
  units: bigint,
): Promise<string> {
  const clientId = randomUUID();
  await ensureClientAccounts(db, clientId, instrument.quoteAsset);
  await ensureClientAccounts(db, clientId, instrument.asset);
  if (cash > 0n) {
    await postEntry(db, {
      idempotencyKey: uniqueKey('fund'),
      ...depositConfirm(clientId, instrument.quoteAsset, cash),
    });
    await postEntry(db, {
      idempotencyKey: uniqueKey('clear'),
      ...depositClear(clientId, instrument.quoteAsset, cash),
    });
  }
  if (units > 0n) {
    await postEntry(db, {
      idempotencyKey: uniqueKey('transfer-in'),
      ...registryTransferIn(clientId, instrument.asset, units, uniqueKey('registry')),
    });
  }
  return clientId;
}

export interface OrderSpec {
  clientId: string;
  side: OrderSide;
  quantity: bigint;
  price?: bigint | null;
  type?: OrderKind;
  timeInForce?: TimeInForce;
  protectionPrice?: bigint | null;
  orderId?: string;
}

export interface Placed {
  orderId: string;
  workflowId: string;
  input: Parameters<typeof submitOrder>[1];
  result: VenueOrderResult;
}

/** The order input as the order activities build it, with its reservation placed (`<wf>/reserve`). */
export async function reserveOrder(db: Db, instrument: Instrument, spec: OrderSpec) {
  const orderId = spec.orderId ?? randomUUID();
  const workflowId = `order-${orderId}`;
  const type = spec.type ?? 'LIMIT';
  const sizing = {
    side: spec.side,
    type,
    quantity: spec.quantity,
    limitPrice: type === 'LIMIT' ? (spec.price ?? null) : null,
    protectionPrice: type === 'MARKET' ? (spec.protectionPrice ?? null) : null,
    ...FEES,
  };
  const reserved = reserveAmount(sizing);
  const hold = await holdEntry(db, {
    idempotencyKey: `${workflowId}/reserve`,
    workflowId,
    ...orderReserve(spec.clientId, reserveAsset(instrument, spec.side), reserved),
  });
  const input = {
    ...sizing,
    orderId,
    workflowId,
    clientId: spec.clientId,
    symbol: instrument.symbol,
    timeInForce: spec.timeInForce ?? (type === 'MARKET' ? 'IOC' : 'GTC'),
    holdEntryId: hold.id,
    reserved,
  } as const;
  return { orderId, workflowId, input };
}

export async function placeOrder(db: Db, instrument: Instrument, spec: OrderSpec): Promise<Placed> {
  const reserved = await reserveOrder(db, instrument, spec);
  return { ...reserved, result: await submitOrder(db, reserved.input) };
}

export interface Balances {
  available: bigint;
  pending: bigint;
  pendingSettlement: bigint;
}

/** The client's available (spendable), reserved (pending debits) and pending-settlement balance. */
export async function balancesOf(db: Db, clientId: string, asset: AssetCode): Promise<Balances> {
  return (await balancesOfEach(db, [clientId], [asset])).get(`${clientId}/${asset}`)!;
}

/**
 * balancesOf for every client in every asset, keyed `<clientId>/<asset>`, read in one query: the
 * property test checks them after each of its steps, and a round trip per account was most of a
 * step's checking time.
 */
export async function balancesOfEach(
  db: Db,
  clientIds: readonly string[],
  assets: readonly AssetCode[],
): Promise<Map<string, Balances>> {
  const pairs = clientIds.flatMap((clientId) => assets.map((asset) => ({ clientId, asset })));
  const codes = pairs.flatMap(({ clientId, asset }) => [
    clientAccountCode(clientId, asset, 'available'),
    clientAccountCode(clientId, asset, 'pending_settlement'),
  ]);
  const found = await db.query<{
    code: string;
    debits_posted: string;
    credits_posted: string;
    debits_pending: string;
  }>(
    `SELECT code, debits_posted, credits_posted, debits_pending FROM ledger_account WHERE code = ANY($1::text[])`,
    [codes],
  );
  const byCode = new Map(found.rows.map((row) => [row.code, row]));
  const balances = new Map<string, Balances>();
  for (const { clientId, asset } of pairs) {
    const available = byCode.get(clientAccountCode(clientId, asset, 'available'));
    const settlement = byCode.get(clientAccountCode(clientId, asset, 'pending_settlement'));
    if (!available || !settlement) throw new Error(`no ${asset} accounts for ${clientId}`);
    balances.set(`${clientId}/${asset}`, {
      available:
        BigInt(available.credits_posted) - BigInt(available.debits_posted) - BigInt(available.debits_pending),
      pending: BigInt(available.debits_pending),
      pendingSettlement:
        BigInt(settlement.credits_posted) -
        BigInt(settlement.debits_posted) -
        BigInt(settlement.debits_pending),
    });
  }
  return balances;
}

export async function expectLedgerBalanced(db: Db): Promise<void> {
  const trial = await trialBalance(db);
  expect(trial.mismatchedAccounts).toEqual([]);
  expect(trial.unbalancedPendingAssets).toEqual([]);
  expect(trial.balanced).toBe(true);
}

/**
 * The running totals balance per asset, posted and pending (O(accounts)): what trialBalance checks
 * without reading the lines.
 */
export async function expectTotalsBalanced(db: Db): Promise<void> {
  const off = await db.query(
    `SELECT asset FROM ledger_account GROUP BY asset
      HAVING sum(debits_posted) <> sum(credits_posted) OR sum(debits_pending) <> sum(credits_pending)`,
  );
  expect(off.rows).toEqual([]);
}

/**
 * Per client and asset, what the client's holds reserve equals Σ reserved of its RESTING orders, and
 * every RESTING order's hold is an open hold of exactly its reservation.
 */
export async function expectHoldsMatchBook(
  db: Db,
  instrument: Instrument,
  clientIds: string[],
): Promise<void> {
  const reserved = await db.query<{ client_id: string; reserve_asset: string; reserved: string }>(
    `SELECT client_id, reserve_asset, sum(reserved) AS reserved FROM venue_order
      WHERE status = 'RESTING' AND client_id = ANY($1::uuid[]) GROUP BY client_id, reserve_asset`,
    [clientIds],
  );
  const expected = new Map(
    reserved.rows.map((r) => [`${r.client_id}/${r.reserve_asset}`, BigInt(r.reserved)]),
  );
  const balances = await balancesOfEach(db, clientIds, [instrument.asset, instrument.quoteAsset]);
  for (const clientId of clientIds) {
    for (const asset of [instrument.asset, instrument.quoteAsset]) {
      const { pending } = balances.get(`${clientId}/${asset}`)!;
      expect({ clientId, asset, pending }).toEqual({
        clientId,
        asset,
        pending: expected.get(`${clientId}/${asset}`) ?? 0n,
      });
    }
  }
  const badHolds = await db.query<{ order_id: string }>(
    `SELECT o.order_id FROM venue_order o
       LEFT JOIN journal_entry h ON h.id = o.hold_entry_id AND h.status = 'pending'
       LEFT JOIN journal_line l ON l.entry_id = h.id AND l.debit > 0
      WHERE o.status = 'RESTING' AND o.client_id = ANY($1::uuid[])
        AND (l.debit IS DISTINCT FROM o.reserved
             OR EXISTS (SELECT 1 FROM journal_entry r WHERE r.pending_entry_id = o.hold_entry_id))`,
    [clientIds],
  );
  expect(badHolds.rows).toEqual([]);
}
