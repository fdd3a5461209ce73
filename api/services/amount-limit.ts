// The start check of a policy's per-asset maximum (domain/amount-limits.ts) for POST /deposits and
// POST /withdrawals: 422 amount_above_limit before anything is started, with the limit in the
// details and in the message. The rule is the domain's; this module only turns it into HTTP.
import type pg from 'pg';
import { getLifecycleByBusinessId } from '../../db/lifecycle/index.js';
import { decimalAboveLimit, limitSentence, type MaxAmounts } from '../../domain/amount-limits.js';
import type { AssetCode } from '../../domain/money.js';
import { unprocessable } from '../errors.js';

/**
 * Throws 422 amount_above_limit when `amount` (a checked decimal of `asset`) is above the policy's
 * limit. A retry of a request that was accepted under an older, looser limit still reaches its
 * lifecycle: the key's lifecycle, once it exists, answers instead (looked up only on a refusal).
 */
export async function refuseAboveLimit(
  pool: pg.Pool,
  start: { type: string; noun: string; businessId: string },
  maxAmount: MaxAmounts | undefined,
  asset: AssetCode,
  amount: string,
): Promise<void> {
  const limit = decimalAboveLimit(maxAmount, asset, amount);
  if (!limit) return;
  if (await getLifecycleByBusinessId(pool, start.type, start.businessId)) return;
  throw unprocessable(
    'amount_above_limit',
    `The amount is above the limit. ${limitSentence(start.noun, limit)}`,
    limit,
  );
}
