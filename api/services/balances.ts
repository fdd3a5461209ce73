// A client's balances per asset, as decimal strings: clients see their own; staff and auditors name
// the client (?clientId=).
import { z } from 'zod';
import { getClientBalances } from '../../db/ledger/index.js';
import { ASSET_CODES, formatAmount } from '../../domain/money.js';
import { canReadAllClients, isClient } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { forbidden, notFound, validationFailed } from '../errors.js';
import { isUuid } from '../../domain/ids.js';
import { type SessionUser } from './common.js';

export interface BalanceView {
  asset: string;
  /** Spendable now. */
  available: string;
  /** Received, under AML hold. */
  held: string;
  /** Reserved by open holds (withdrawals, orders) on the available account. */
  pending: string;
  /** Bought or sold, waiting for settlement. */
  pendingSettlement: string;
}

export const BalanceSchema = z
  .object({
    asset: z.enum(ASSET_CODES as [string, ...string[]]),
    available: z.string().meta({ example: '1250.50' }),
    held: z.string().meta({ example: '0.00' }),
    pending: z.string().meta({ example: '0.00' }),
    pendingSettlement: z.string().meta({ example: '0.00' }),
  })
  .meta({ id: 'Balance' });

export const BalancesQuerySchema = z.object({
  clientId: z
    .uuid()
    .optional()
    .meta({ description: 'Required for staff and auditors; clients see their own' }),
});

/**
 * One row per asset the client has accounts in. Clients: their own (another client's id is 404, as
 * for every other client resource). Staff and auditors: `clientId` is required (400 without it).
 */
export async function balancesFor(
  deps: AppDeps,
  user: SessionUser,
  clientId?: string,
): Promise<BalanceView[]> {
  let owner: string;
  if (isClient(user.role)) {
    if (clientId !== undefined && clientId !== '' && clientId.toLowerCase() !== user.id)
      throw notFound('no such client');
    owner = user.id;
  } else if (canReadAllClients(user.role)) {
    if (clientId === undefined || clientId === '') {
      throw validationFailed([
        { path: 'clientId', code: 'required', message: 'name the client: ?clientId=<uuid>' },
      ]);
    }
    if (!isUuid(clientId)) {
      throw validationFailed([
        { path: 'clientId', code: 'invalid_format', message: 'clientId must be a UUID' },
      ]);
    }
    owner = clientId.toLowerCase();
  } else {
    throw forbidden();
  }
  const rows = await getClientBalances(deps.pool, owner);
  return rows.map((b) => ({
    asset: b.asset,
    available: formatAmount(b.asset, b.available),
    held: formatAmount(b.asset, b.held),
    pending: formatAmount(b.asset, b.pending),
    pendingSettlement: formatAmount(b.asset, b.pendingSettlement),
  }));
}
