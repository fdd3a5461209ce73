import type pg from 'pg';
import type { Client } from '@temporalio/client';
import { SimulatedAmlDataPartner, type AmlDataPartner } from './aml-data.js';
import { createDepositActivities, type DepositActivityHooks } from './deposit.js';
import { createHistoryArchiveActivities } from './history-archive.js';
import { createLifecycleActivities } from './lifecycle.js';
import { createPingActivities } from './ping.js';
import { createKycActivities } from './kyc.js';
import { createBankAccountActivities } from './bank-account.js';
import { SimulatedBank, type BankAdapter } from './bank-adapter.js';
import { failFastOnUnstorableData } from './unstorable.js';
import { createWithdrawalActivities, type WithdrawalActivityHooks } from './withdrawal.js';
import { PaperBroker, type BrokerAdapter } from './broker-adapter.js';
import { createOrderActivities } from './order.js';
import { SimulatedRegistry, type RegistryAdapter } from './registry-adapter.js';
import { createSettlementActivities } from './settlement.js';
import { createReconciliationActivities } from './reconciliation.js';
import { createInternalReconciliationActivities } from './internal-reconciliation.js';
import { createRegistryAccountActivities } from './registry-account.js';
import { createCertificateTransferActivities } from './certificate-transfer.js';

export interface ActivityDeps {
  pool: pg.Pool;
  /** AML data partner; the simulated one when not given. */
  amlData?: AmlDataPartner;
  /** Test seams around deposit postings (failure injection). */
  depositHooks?: DepositActivityHooks;
  /** Temporal client for reading histories (history archive); default: TEMPORAL_ADDRESS. */
  temporal?: () => Promise<Client>;
  /** The payout bank for withdrawals; the simulated one (its ledger in PostgreSQL) when not given. */
  bank?: BankAdapter;
  /** Test seams around withdrawal payouts (failure injection). */
  withdrawalHooks?: WithdrawalActivityHooks;
  /** The broker of paper-venue orders; the simulated one (its orders in PostgreSQL) when not given. */
  broker?: BrokerAdapter;
  /** The carbon registries (settlement, certificate transfers); the simulated one when not given. */
  registry?: RegistryAdapter;
}

/** Every activity the worker registers, bound to its dependencies (database, partner adapters). */
export function createActivities(deps: ActivityDeps) {
  return failFastOnUnstorableData({
    ...createPingActivities(deps.pool),
    ...createLifecycleActivities(deps.pool),
    ...createHistoryArchiveActivities({ pool: deps.pool, temporal: deps.temporal }),
    ...createDepositActivities({
      pool: deps.pool,
      amlData: deps.amlData ?? new SimulatedAmlDataPartner(),
      hooks: deps.depositHooks,
    }),
    ...createKycActivities(deps.pool),
    ...createBankAccountActivities(deps.pool),
    ...createWithdrawalActivities({
      pool: deps.pool,
      bank: deps.bank ?? new SimulatedBank(deps.pool),
      hooks: deps.withdrawalHooks,
    }),
    ...createOrderActivities({ pool: deps.pool, broker: deps.broker ?? new PaperBroker(deps.pool) }),
    ...createSettlementActivities({
      pool: deps.pool,
      registry: deps.registry ?? new SimulatedRegistry(deps.pool),
    }),
    ...createReconciliationActivities(deps.pool),
    ...createInternalReconciliationActivities({
      pool: deps.pool,
      registry: deps.registry ?? new SimulatedRegistry(deps.pool),
    }),
    ...createRegistryAccountActivities({
      pool: deps.pool,
      registry: deps.registry ?? new SimulatedRegistry(deps.pool),
    }),
    ...createCertificateTransferActivities({
      pool: deps.pool,
      registry: deps.registry ?? new SimulatedRegistry(deps.pool),
    }),
  });
}

export type Activities = ReturnType<typeof createActivities>;
