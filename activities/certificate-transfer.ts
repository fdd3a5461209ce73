// Certificate-transfer side effects: checking the request (and, for a transfer out, holding the
// certificates), posting what arrived for a transfer in, delivering through the registry adapter
// exactly once, and resolving the hold (posted on delivery, voided on every other ending). Ledger
// idempotency keys are `<workflowId>/<step>`, taken from the activity's own context; the registry's
// transfer id is derived from the transfer. A retry therefore never holds, delivers or books twice.
import type pg from 'pg';
import { transferPreconditions } from '../db/certificate-transfers/preconditions.js';
import { getRegistryAccount } from '../db/registry-accounts/index.js';
import { ensureClientAccounts, ensureSystemAccounts, postEntry } from '../db/ledger/index.js';
import {
  certificateTransferOutHold,
  certificateTransferOutPost,
  certificateTransferOutVoid,
  type CertificateAsset,
  type TransferDirection,
  type TransferRegistryAccount,
} from '../domain/certificate-transfer.js';
import { parseAmount } from '../domain/money.js';
import { registryTransferIn } from '../domain/postings.js';
import type { Registry } from '../domain/registry-account.js';
import {
  businessRefusal as refusal,
  ledgerRefusal,
  workflowExecution as execution,
} from './workflow-context.js';
import { heldLedger } from './held-transfer.js';
import { PLATFORM_REGISTRY_ACCOUNTS, type RegistryAdapter } from './registry-adapter.js';

export interface ReserveCertificateTransferInput {
  clientId: string;
  direction: TransferDirection;
  asset: CertificateAsset;
  /** Whole certificates, a decimal string. */
  quantity: string;
  registryAccountId: string;
}

export interface ReserveCertificateTransferResult {
  /** OUT: the hold; IN: null (nothing is owed until the certificates arrive). */
  holdEntryId: string | null;
  registryAccount: TransferRegistryAccount;
}

export interface PostTransferInInput {
  clientId: string;
  asset: CertificateAsset;
  /** What arrived, whole certificates. */
  quantity: string;
  reference: string;
}

export interface ResolveTransferHoldInput {
  holdEntryId: string;
  /** Kept in the entry's description. */
  reason: string;
}

export interface DeliverCertificatesInput {
  /** The transfer's reference: the registry's exactly-once key, the same on every retry. */
  transferId: string;
  registry: Registry;
  asset: CertificateAsset;
  quantity: string;
  /** The client's registry account id. */
  to: string;
}

export interface CertificateTransferActivityDeps {
  pool: pg.Pool;
  registry: RegistryAdapter;
}

/** The ledger's refusal as the workflow's; a lack of certificates is insufficient_position. */
function certificateRefusal(error: unknown): never {
  ledgerRefusal(error, { insufficient_funds: 'insufficient_position' });
}

export function createCertificateTransferActivities(deps: CertificateTransferActivityDeps) {
  const { pool, registry } = deps;
  const ledger = heldLedger(pool, certificateRefusal);

  return {
    /**
     * Checks the request (db/certificate-transfers/preconditions.ts) and, for a transfer out, holds
     * the certificates: Dr client available, Cr registry:omnibus, pending. The ledger locks the
     * client's account, so concurrent requests never hold more than is available. Once the hold
     * exists a retry returns it without checking again.
     */
    async reserveCertificateTransfer(
      input: ReserveCertificateTransferInput,
    ): Promise<ReserveCertificateTransferResult> {
      if (input.direction === 'OUT') {
        const held = await ledger.existingHold();
        const account = held ? await getRegistryAccount(pool, input.registryAccountId) : null;
        if (held && account) {
          const { id, registry: code, accountId, holderName } = account;
          return { holdEntryId: held.id, registryAccount: { id, registry: code, accountId, holderName } };
        }
      }
      const quantityMinor = parseAmount(input.asset, input.quantity);
      const checked = await transferPreconditions(pool, {
        clientId: input.clientId,
        asset: input.asset,
        registryAccountId: input.registryAccountId,
        position: input.direction === 'OUT' ? { quantityMinor } : undefined,
      });
      if (!checked.ok) {
        const { code, message, details } = checked.refusal;
        // Not the client's account: the decline says unverified (it tells nobody else).
        const type = code === 'registry_account_not_found' ? 'registry_account_unverified' : code;
        throw refusal(type, message, details ?? undefined);
      }
      if (input.direction === 'IN') return { holdEntryId: null, registryAccount: checked.account };
      const entry = await ledger.hold(
        input.clientId,
        input.asset,
        certificateTransferOutHold(input.clientId, input.asset, quantityMinor),
      );
      return { holdEntryId: entry.id, registryAccount: checked.account };
    },

    /** IN: the certificates are at our registry account; the client owns them now (available). */
    async postTransferIn(input: PostTransferInInput): Promise<{ entryId: string }> {
      const run = execution();
      try {
        await ensureSystemAccounts(pool);
        await ensureClientAccounts(pool, input.clientId, input.asset);
        const entry = await postEntry(pool, {
          idempotencyKey: `${run.workflowId}/transfer-in`,
          workflowId: run.workflowId,
          runId: run.runId,
          activity: run.activity,
          ...registryTransferIn(
            input.clientId,
            input.asset,
            parseAmount(input.asset, input.quantity),
            input.reference,
          ),
        });
        return { entryId: entry.id };
      } catch (error) {
        certificateRefusal(error);
      }
    },

    /** OUT delivered: the held certificates leave the books (pending → posted). */
    async postTransferOutHold(input: ResolveTransferHoldInput): Promise<{ entryId: string }> {
      return ledger.post(input.holdEntryId, certificateTransferOutPost(input.reason));
    },

    /** OUT rejected, cancelled or refused by the registry: the certificates are available again. */
    async voidTransferOutHold(input: ResolveTransferHoldInput): Promise<{ entryId: string }> {
      return ledger.void(input.holdEntryId, certificateTransferOutVoid(input.reason));
    },

    /**
     * Delivers from our omnibus to the client's account. A refusal by the registry is definitive
     * (non-retryable, type `registry_rejected`); an outage or a closed registry throws and is retried
     * with the same transfer id, which the registry executes at most once.
     */
    async deliverCertificates(input: DeliverCertificatesInput): Promise<{ registryReference: string }> {
      const answer = await registry.deliver({
        transferId: input.transferId,
        registry: input.registry,
        asset: input.asset,
        quantity: parseAmount(input.asset, input.quantity),
        from: PLATFORM_REGISTRY_ACCOUNTS[input.registry].omnibus,
        to: input.to,
      });
      if (answer.status === 'REJECTED') {
        throw refusal(
          'registry_rejected',
          `the ${input.registry} registry refused the transfer: ${answer.reason}`,
          {
            reason: answer.reason,
            transferId: input.transferId,
          },
        );
      }
      return { registryReference: answer.registryReference };
    },
  };
}

export type CertificateTransferActivities = ReturnType<typeof createCertificateTransferActivities>;
