// The market makers' all-or-nothing reservation (POST /orders/bulk, PUT /quotes/:symbol): every
// order's hold in ONE ledger transaction, so either all of them hold their cash or certificates or
// none does. Each hold carries the key its order workflow uses for its own reservation
// (`<workflowId>/reserve`, activities/order.ts validateOrder) and the same recipe, so the workflow
// finds it there and routes with it instead of reserving a second time.
import { isLedgerError, inLedgerTransaction, type Db } from '../ledger/index.js';
import { orderReserve } from '../../domain/postings.js';
import type { AssetCode } from '../../domain/money.js';

/** At most this many holds in one transaction (the bulk route's limit). */
export const MAX_RESERVATIONS_PER_BATCH = 100;

export interface OrderReservation {
  workflowId: string;
  clientId: string;
  asset: AssetCode;
  amountMinor: bigint;
}

export type BatchReservation = { ok: true; holdEntryIds: string[] } | { ok: false; index: number };

class Short extends Error {
  constructor(readonly index: number) {
    super(`reservation ${index} does not fit`);
  }
}

/**
 * Holds every reservation or none: the first one the ledger refuses (insufficient_funds: the
 * available balance, with the holds before it in this batch, is short) rolls all back and is
 * answered by its index. A hold that already exists under its key (a retried request) is replayed
 * by the ledger, not held twice.
 */
export async function reserveAllOrNothing(
  db: Db,
  reservations: readonly OrderReservation[],
): Promise<BatchReservation> {
  if (reservations.length === 0 || reservations.length > MAX_RESERVATIONS_PER_BATCH)
    throw new RangeError(`1 to ${MAX_RESERVATIONS_PER_BATCH} reservations per batch`);
  try {
    const holdEntryIds = await inLedgerTransaction(db, async (tx) => {
      const ids: string[] = [];
      for (const [index, r] of reservations.entries()) {
        if (!(r.amountMinor > 0n)) throw new RangeError('a reservation is positive');
        try {
          const entry = await tx.holdEntry({
            idempotencyKey: `${r.workflowId}/reserve`,
            workflowId: r.workflowId,
            ...orderReserve(r.clientId, r.asset, r.amountMinor),
          });
          ids.push(entry.id);
        } catch (error) {
          if (isLedgerError(error) && error.code === 'insufficient_funds') throw new Short(index);
          throw error;
        }
      }
      return ids;
    });
    if (holdEntryIds.length !== reservations.length) throw new Error('a hold per reservation');
    return { ok: true, holdEntryIds };
  } catch (error) {
    if (error instanceof Short) return { ok: false, index: error.index };
    throw error;
  }
}
