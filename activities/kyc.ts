// KYC side effects: the projection of a review onto the tables outside the lifecycle read model —
// the documents a submission consists of (kyc_document.status) and the client's KYC status
// (app_user.kyc_status, which gates withdrawals). One transaction per call, idempotent: a retried
// attempt finds its work done and changes nothing.
import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { inTransaction } from '../db/pool.js';
import type { KycStatus } from '../domain/kyc.js';

export interface ProjectKycInput {
  clientId: string;
  /** The status the workflow is moving to. */
  status: KycStatus;
  /** What becomes of the documents of a submission, if anything. */
  documents?: {
    ids: string[];
    cycle: number;
    /** SUBMITTED (a submission), ACCEPTED (approved), RETURNED (rejected / changes), EXPIRED. */
    to: 'SUBMITTED' | 'ACCEPTED' | 'RETURNED' | 'EXPIRED';
    /** Workflow time of the transition. */
    at: string;
  };
}

export function createKycActivities(pool: pg.Pool) {
  return {
    /**
     * Applies a transition to documents and the client's kyc_status. A submission whose documents
     * are not all the client's (or have expired) is refused for good: `kyc_documents_missing`.
     */
    async projectKyc(input: ProjectKycInput): Promise<{ documents: number }> {
      return inTransaction(pool, async (client) => {
        let touched = 0;
        const docs = input.documents;
        if (docs) {
          if (docs.to === 'SUBMITTED') {
            const found = await client.query<{ id: string }>(
              `SELECT id FROM kyc_document
                WHERE client_id = $1 AND id = ANY($2::uuid[]) AND status <> 'EXPIRED'
                FOR UPDATE`,
              [input.clientId, docs.ids],
            );
            if (found.rowCount !== new Set(docs.ids).size) {
              throw ApplicationFailure.nonRetryable(
                'some documents of this submission are not on file (any more); upload them again',
                'kyc_documents_missing',
              );
            }
            const updated = await client.query(
              `UPDATE kyc_document SET status = 'SUBMITTED', submitted_at = $3, review_cycle = $4, reviewed_at = NULL
                WHERE client_id = $1 AND id = ANY($2::uuid[])
                  AND NOT (status = 'SUBMITTED' AND review_cycle = $4)`,
              [input.clientId, docs.ids, docs.at, docs.cycle],
            );
            touched = updated.rowCount ?? 0;
          } else if (docs.to === 'EXPIRED') {
            const updated = await client.query(
              `UPDATE kyc_document SET status = 'EXPIRED'
                WHERE client_id = $1 AND id = ANY($2::uuid[]) AND status = 'ACCEPTED'`,
              [input.clientId, docs.ids],
            );
            touched = updated.rowCount ?? 0;
          } else {
            const updated = await client.query(
              `UPDATE kyc_document SET status = $3, reviewed_at = $4
                WHERE client_id = $1 AND id = ANY($2::uuid[]) AND review_cycle = $5 AND status = 'SUBMITTED'`,
              [input.clientId, docs.ids, docs.to, docs.at, docs.cycle],
            );
            touched = updated.rowCount ?? 0;
          }
        }
        await client.query(
          `UPDATE app_user SET kyc_status = $2 WHERE id = $1 AND kyc_status IS DISTINCT FROM $2`,
          [input.clientId, input.status],
        );
        return { documents: touched };
      });
    },
  };
}

export type KycActivities = ReturnType<typeof createKycActivities>;
