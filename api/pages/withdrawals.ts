// Withdrawal services for the Remix pages: the same service functions the JSON routes call.
import type { AppDeps } from '../deps.js';
import * as withdrawalService from '../services/withdrawals.js';
import type { WebUser } from './load-context.js';
import { staffListServices } from './staff-lists.js';

export function withdrawalWebServices(deps: AppDeps) {
  return {
    list: (user: WebUser, query: Parameters<typeof withdrawalService.listWithdrawals>[2]) =>
      withdrawalService.listWithdrawals(deps, user, query),
    get: (user: WebUser, id: string) => withdrawalService.getWithdrawal(deps, user, id),
    /** Counts per status and search for the staff list. */
    lists: staffListServices(deps, 'withdrawal', (user, ids) =>
      withdrawalService.getWithdrawals(deps, user, ids),
    ),
    /** What the request form offers: the caller's verified accounts and available cash per currency. */
    async formOptions(user: WebUser) {
      const [accounts, available] = await Promise.all([
        withdrawalService.payoutAccountsFor(deps, user),
        withdrawalService.availableCashFor(deps, user),
      ]);
      return { accounts, available };
    },
    create: (
      user: WebUser,
      body: Parameters<typeof withdrawalService.createWithdrawal>[2],
      idempotencyKey: string,
    ) => withdrawalService.createWithdrawal(deps, user, body, idempotencyKey),
    cancel: (user: WebUser, id: string, requestId: string) =>
      withdrawalService.cancelWithdrawal(deps, user, id, requestId),
    approve: (user: WebUser, id: string, body: { note?: string | null }, requestId: string) =>
      withdrawalService.approveWithdrawal(deps, user, id, body, requestId),
    reject: (user: WebUser, id: string, body: { reason: string }, requestId: string) =>
      withdrawalService.rejectWithdrawal(deps, user, id, body, requestId),
  };
}
