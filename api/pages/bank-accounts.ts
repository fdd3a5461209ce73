// Bank-account services for the Remix pages: the same service functions the JSON routes call.
import type { AppDeps } from '../deps.js';
import * as bankAccountService from '../services/bank-accounts.js';
import type { WebUser } from './load-context.js';
import { staffListServices } from './staff-lists.js';

export function bankAccountWebServices(deps: AppDeps) {
  return {
    list: (user: WebUser, query: Parameters<typeof bankAccountService.listBankAccountsFor>[2]) =>
      bankAccountService.listBankAccountsFor(deps, user, query),
    get: (user: WebUser, id: string) => bankAccountService.getBankAccountFor(deps, user, id),
    /** Counts per status and search for the staff list. */
    lists: staffListServices(deps, 'bank_account', (user, ids) =>
      bankAccountService.getBankAccountsFor(deps, user, ids),
    ),
    verified: (user: WebUser) => bankAccountService.verifiedBankAccountsOf(deps, user),
    create: (user: WebUser, body: Record<string, unknown>, idempotencyKey: string) =>
      bankAccountService.createBankAccount(deps, user, body, idempotencyKey),
    remove: (user: WebUser, id: string, requestId: string) =>
      bankAccountService.removeBankAccountFor(deps, user, id, requestId),
    verify: (user: WebUser, id: string, body: { note?: string | null }, requestId: string) =>
      bankAccountService.verifyBankAccount(deps, user, id, body, requestId),
    reject: (user: WebUser, id: string, body: { reason: string }, requestId: string) =>
      bankAccountService.rejectBankAccount(deps, user, id, body, requestId),
  };
}
