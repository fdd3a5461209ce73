// Settlement's side effects: the batch opens itself (claim, netting) and pages through its client
// settlements; each client settlement checks its legs against the ledger, delivers certificates
// through the registry adapter (exactly once per transfer id), and posts `settlement.deliver`.
// Amounts cross into workflows as decimal strings.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type pg from 'pg';
import { getAccount } from '../db/ledger/index.js';
import {
  batchProgress,
  deliverSettlement,
  loadSettlement,
  openBatch,
  recordStarted,
  setBatchStatus,
  setSettlementStatus,
  settlementPage,
  type BatchProgress,
  type OpenBatchInput,
  type SettlementRef,
} from '../db/settlement/index.js';
import { formatAmount, parseAmount, type AssetCode } from '../domain/money.js';
import { clientAccountCode } from '../domain/postings.js';
import {
  legDirection,
  settlementDeliveryKey,
  type BatchStatus,
  type SettlementStatus,
} from '../domain/settlement.js';
import {
  PLATFORM_REGISTRY_ACCOUNTS,
  RegistryUnavailableError,
  registryOfAsset,
  type RegistryAdapter,
} from './registry-adapter.js';

/** A leg across JSON. `net`: signed decimal string (positive: the client receives). */
export interface SettlementLegJson {
  asset: AssetCode;
  net: string;
  release: string;
}

export interface ProcessedSettlement {
  legs: SettlementLegJson[];
  tradeCount: number;
  /** Why the pending settlement cannot cover the releases; null when it can. */
  shortfall: string | null;
}

export interface DeliverLegInput {
  transferId: string;
  asset: AssetCode;
  /** Signed decimal string of the net obligation (positive: the venue delivers to our omnibus). */
  net: string;
}

export type DeliverLegResult =
  | { status: 'DELIVERED'; registryReference: string; at: string }
  | { status: 'REJECTED'; reason: string }
  /** Nothing to move at a registry (cash, custody securities, a leg that nets to zero). */
  | { status: 'BOOK_ENTRY' };

export interface SettlementActivityDeps {
  pool: pg.Pool;
  registry: RegistryAdapter;
}

function signed(asset: AssetCode, minor: bigint): string {
  return minor < 0n ? `-${formatAmount(asset, -minor)}` : formatAmount(asset, minor);
}

function parseSigned(asset: AssetCode, text: string): bigint {
  return text.startsWith('-')
    ? -parseAmount(asset, text.slice(1))
    : parseAmount(asset, text, { allowZero: true });
}

function workflowIdOfCaller(): string {
  const run = Context.current().info.workflowExecution;
  if (!run)
    throw ApplicationFailure.nonRetryable('settlement activities run from a workflow', 'invalid_call');
  return run.workflowId;
}

export function createSettlementActivities(deps: SettlementActivityDeps) {
  const { pool, registry } = deps;
  return {
    async openSettlementBatch(input: OpenBatchInput) {
      return openBatch(pool, input);
    },

    async settlementPage(input: {
      batchId: string;
      afterSeq: number;
      limit: number;
    }): Promise<SettlementRef[]> {
      return settlementPage(pool, input.batchId, input.afterSeq, input.limit);
    },

    async recordSettlementsStarted(input: { batchId: string; throughSeq: number }): Promise<void> {
      await recordStarted(pool, input.batchId, input.throughSeq);
    },

    async settlementBatchProgress(input: { batchId: string }): Promise<BatchProgress> {
      return batchProgress(pool, input.batchId);
    },

    async setSettlementBatchStatus(input: { batchId: string; status: BatchStatus }): Promise<void> {
      await setBatchStatus(pool, input.batchId, input.status);
    },

    /**
     * PROCESSED: the legs as netted, each release checked against the client's pending settlement
     * (the fills put it there). A shortfall is not something to deliver around, nor a reason to fail
     * the workflow: it is answered as `shortfall`, and the workflow opens an exception for operations
     * (who may retry once it is put right, or cancel). Called again on each retry: it re-checks.
     */
    async processClientSettlement(input: { settlementId: string }): Promise<ProcessedSettlement> {
      const record = await loadSettlement(pool, input.settlementId);
      if (!record)
        throw ApplicationFailure.nonRetryable(`no client settlement ${input.settlementId}`, 'not_found');
      const shortfalls: string[] = [];
      if (record.deliveredAt === null) {
        for (const leg of record.legs) {
          if (leg.releaseMinor === 0n) continue;
          const account = await getAccount(
            pool,
            clientAccountCode(record.clientId, leg.asset, 'pending_settlement'),
          );
          const balance = account ? account.creditsPosted - account.debitsPosted : 0n;
          if (balance < leg.releaseMinor)
            shortfalls.push(
              `pending settlement of ${leg.asset} is ${formatAmount(leg.asset, balance)}, the settlement releases ${formatAmount(leg.asset, leg.releaseMinor)}`,
            );
        }
      }
      if (record.status === 'INITIATED') await setSettlementStatus(pool, record.settlementId, 'PROCESSED');
      return {
        tradeCount: record.tradeCount,
        legs: record.legs.map((l) => ({
          asset: l.asset,
          net: signed(l.asset, l.netMinor),
          release: formatAmount(l.asset, l.releaseMinor),
        })),
        shortfall: shortfalls.length > 0 ? shortfalls.join('; ') : null,
      };
    },

    /**
     * One certificate leg at its registry: from the venue's settlement account to our omnibus when
     * the client receives, the other way when it delivers. The transfer id comes from the workflow
     * and round, so retries of this activity never deliver twice. An outage is retried by Temporal.
     */
    async deliverSettlementLeg(input: DeliverLegInput): Promise<DeliverLegResult> {
      const net = parseSigned(input.asset, input.net);
      const registryCode = registryOfAsset(input.asset);
      const moving = legDirection({ asset: input.asset, netMinor: net, releaseMinor: 0n });
      if (registryCode === null || moving === null) return { status: 'BOOK_ENTRY' };
      const accounts = PLATFORM_REGISTRY_ACCOUNTS[registryCode];
      const receive = moving.direction === 'RECEIVE';
      try {
        const answer = await registry.deliver({
          transferId: input.transferId,
          registry: registryCode,
          asset: input.asset,
          quantity: moving.amountMinor,
          from: receive ? accounts.venueSettlement : accounts.omnibus,
          to: receive ? accounts.omnibus : accounts.venueSettlement,
        });
        return answer.status === 'DELIVERED'
          ? { status: 'DELIVERED', registryReference: answer.registryReference, at: answer.at.toISOString() }
          : answer;
      } catch (error) {
        if (error instanceof RegistryUnavailableError)
          throw ApplicationFailure.retryable(error.message, 'registry_unavailable');
        throw error;
      }
    },

    /** DELIVERED: `settlement.deliver` with key `<workflowId>/deliver`, the status and the trades. */
    async deliverClientSettlement(input: { settlementId: string }): Promise<{ deliveredAt: string }> {
      const workflowId = workflowIdOfCaller();
      const done = await deliverSettlement(pool, {
        settlementId: input.settlementId,
        workflowId,
        idempotencyKey: settlementDeliveryKey(workflowId),
      });
      return { deliveredAt: done.deliveredAt };
    },

    async setClientSettlementStatus(input: {
      settlementId: string;
      status: Exclude<SettlementStatus, 'DELIVERED' | 'INITIATED'>;
    }): Promise<void> {
      await setSettlementStatus(pool, input.settlementId, input.status);
    },
  };
}

export type SettlementActivities = ReturnType<typeof createSettlementActivities>;
