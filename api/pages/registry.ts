// Registry-account and certificate-transfer services for the Remix pages: the same service
// functions the JSON routes call.
import type { AppDeps } from '../deps.js';
import * as transferService from '../services/certificate-transfers.js';
import * as accountService from '../services/registry-accounts.js';
import type { WebUser } from './load-context.js';
import { staffListServices } from './staff-lists.js';

export function registryAccountWebServices(deps: AppDeps) {
  return {
    list: (user: WebUser, query: Parameters<typeof accountService.listRegistryAccountsFor>[2]) =>
      accountService.listRegistryAccountsFor(deps, user, query),
    get: (user: WebUser, id: string) => accountService.getRegistryAccountFor(deps, user, id),
    /** Counts per status, search and sort for the staff list. */
    lists: staffListServices(deps, 'registry_account', (user, ids) =>
      accountService.getRegistryAccountsFor(deps, user, ids),
    ),
    create: (user: WebUser, body: Record<string, unknown>, idempotencyKey: string) =>
      accountService.createRegistryAccount(deps, user, body, idempotencyKey),
    verify: (user: WebUser, id: string, body: { note?: string | null }, requestId: string) =>
      accountService.verifyRegistryAccount(deps, user, id, body, requestId),
    reject: (user: WebUser, id: string, body: { reason: string }, requestId: string) =>
      accountService.rejectRegistryAccount(deps, user, id, body, requestId),
  };
}

export function certificateTransferWebServices(deps: AppDeps) {
  return {
    list: (user: WebUser, query: Parameters<typeof transferService.listCertificateTransfers>[2]) =>
      transferService.listCertificateTransfers(deps, user, query),
    get: (user: WebUser, id: string) => transferService.getCertificateTransfer(deps, user, id),
    /** Counts per status, search and sort for the staff list. */
    lists: staffListServices(deps, 'certificate_transfer', (user, ids) =>
      transferService.getCertificateTransfers(deps, user, ids),
    ),
    /** What the request form offers: the caller's verified registry accounts and available certificates. */
    async formOptions(user: WebUser) {
      const [accounts, available] = await Promise.all([
        accountService.verifiedRegistryAccountsFor(deps, user),
        transferService.availableCertificatesFor(deps, user),
      ]);
      return { accounts, available };
    },
    create: (user: WebUser, body: Record<string, unknown>, idempotencyKey: string) =>
      transferService.createCertificateTransfer(deps, user, body, idempotencyKey),
    cancel: (user: WebUser, id: string, requestId: string) =>
      transferService.cancelCertificateTransfer(deps, user, id, requestId),
    confirm: (
      user: WebUser,
      id: string,
      body: { quantity: string; note?: string | null },
      requestId: string,
    ) => transferService.confirmCertificateTransfer(deps, user, id, body, requestId),
    approve: (user: WebUser, id: string, body: { note?: string | null }, requestId: string) =>
      transferService.approveCertificateTransfer(deps, user, id, body, requestId),
    reject: (user: WebUser, id: string, body: { reason: string }, requestId: string) =>
      transferService.rejectCertificateTransfer(deps, user, id, body, requestId),
  };
}
