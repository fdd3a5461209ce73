// Settlement services for the Remix pages: the same service functions the JSON routes call
// (api/services/settlements.ts), so a page applies exactly the API's rules.
import type { AppDeps } from '../deps.js';
import * as settlementService from '../services/settlements.js';
import type { WebUser } from './load-context.js';
import { staffListServices } from './staff-lists.js';

export function settlementWebServices(deps: AppDeps) {
  return {
    list: (user: WebUser, query: Record<string, unknown>) =>
      settlementService.listSettlementsFor(deps, user, query),
    get: (user: WebUser, id: string) => settlementService.getSettlementFor(deps, user, id),
    /** Counts per status, search and sort for the exceptions list. */
    lists: staffListServices(deps, 'client_settlement', (user, ids) =>
      settlementService.getSettlementsFor(deps, user, ids),
    ),
    trades: (user: WebUser, id: string) => settlementService.settlementTradesFor(deps, user, id),
    confirmReceipt: (user: WebUser, id: string, requestId: string) =>
      settlementService.confirmSettlementReceipt(deps, user, id, requestId),
    retry: (user: WebUser, id: string, body: { note?: string | null }, requestId: string) =>
      settlementService.retrySettlement(deps, user, id, body, requestId),
    cancel: (user: WebUser, id: string, body: { reason: string }, requestId: string) =>
      settlementService.cancelSettlement(deps, user, id, body, requestId),
    listBatches: (user: WebUser, query: Record<string, unknown>) =>
      settlementService.listBatchesFor(deps, user, query),
    getBatch: (user: WebUser, id: string) => settlementService.getBatchFor(deps, user, id),
    /** Counts per status and sort for the batch list. */
    batchLists: staffListServices(deps, 'settlement_batch', (user, ids) =>
      settlementService.getBatchesFor(deps, user, ids),
    ),
    startBatch: (user: WebUser, body: { cutoff?: string }, idempotencyKey: string) =>
      settlementService.startSettlementBatch(deps, user, body, idempotencyKey),
  };
}
