// Money a test client has without a deposit workflow: the deposit's two postings, confirmed into held
// and cleared into available, made directly through the posting engine.
import type pg from 'pg';
import { postEntry } from '../../db/ledger/index.js';
import type { AssetCode } from '../../domain/money.js';
import { depositClear, depositConfirm } from '../../domain/postings.js';

/**
 * `amountMinor` of `asset` available to `clientId` (its accounts must exist). The entries' keys are
 * `<key>/1` and `<key>/2`, so the same key again posts nothing twice.
 */
export async function clearedDeposit(
  pool: pg.Pool,
  clientId: string,
  asset: AssetCode,
  amountMinor: bigint,
  key: string,
): Promise<void> {
  await postEntry(pool, { idempotencyKey: `${key}/1`, ...depositConfirm(clientId, asset, amountMinor) });
  await postEntry(pool, { idempotencyKey: `${key}/2`, ...depositClear(clientId, asset, amountMinor) });
}
