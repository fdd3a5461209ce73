// KYC services for the Remix pages: the same service functions the JSON routes call.
import type { AppDeps } from '../deps.js';
import * as kycService from '../services/kyc.js';
import type { WebUser } from './load-context.js';
import { staffListServices } from './staff-lists.js';

export function kycWebServices(deps: AppDeps) {
  return {
    get: (user: WebUser, clientId?: string) => kycService.getKyc(deps, user, clientId ? { clientId } : {}),
    reviews: (user: WebUser, query: Parameters<typeof kycService.listKycReviews>[2]) =>
      kycService.listKycReviews(deps, user, query),
    /** Counts per status, search and sort for the review list (one KYC lifecycle per client). */
    lists: staffListServices(deps, 'kyc', (user, clientIds) => kycService.getKycs(deps, user, clientIds)),
    upload: (
      user: WebUser,
      input: { type: string; file: kycService.UploadedFile | null },
      idempotencyKey: string,
    ) => kycService.uploadKycDocument(deps, user, input, idempotencyKey),
    submit: (user: WebUser, requestId: string) => kycService.submitKyc(deps, user, requestId),
    approve: (user: WebUser, clientId: string, body: { note?: string | null }, requestId: string) =>
      kycService.approveKyc(deps, user, clientId, body, requestId),
    reject: (user: WebUser, clientId: string, body: { reason: string }, requestId: string) =>
      kycService.rejectKyc(deps, user, clientId, body, requestId),
    requestChanges: (user: WebUser, clientId: string, body: { comments: string }, requestId: string) =>
      kycService.requestKycChanges(deps, user, clientId, body, requestId),
  };
}
