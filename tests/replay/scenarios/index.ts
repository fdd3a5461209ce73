// Every golden-history scenario, by workflow type. To cover a new workflow type (withdrawal, KYC,
// bank account, ...): write tests/replay/scenarios/<type>.ts exporting its main paths, add it
// below, run `npm run histories:capture -- --only <type>` and commit tests/histories/<type>/.
// <type> is the Temporal workflow type (`bankAccount`, not the file name), as golden.test.ts checks.
import { bankAccountScenarios } from './bank-account.js';
import { depositScenarios } from './deposit.js';
import { kycScenarios } from './kyc.js';
import { orderScenarios } from './order.js';
import { pingScenarios } from './ping.js';
import { internalReconciliationScenarios, reconciliationScenarios } from './reconciliation.js';
import { certificateTransferScenarios, registryAccountScenarios } from './registry.js';
import { clientSettlementScenarios, settlementBatchScenarios } from './settlement.js';
import type { Scenario } from './types.js';
import { withdrawalScenarios } from './withdrawal.js';

export type { CaptureContext, Scenario } from './types.js';

export const scenarios: Scenario[] = [
  // First: an internal reconciliation reads the whole ledger, balanced only while nothing else ran.
  ...internalReconciliationScenarios,
  ...pingScenarios,
  ...depositScenarios,
  ...kycScenarios,
  ...bankAccountScenarios,
  ...withdrawalScenarios,
  ...orderScenarios,
  ...registryAccountScenarios,
  ...certificateTransferScenarios,
  ...settlementBatchScenarios,
  ...clientSettlementScenarios,
  ...reconciliationScenarios,
  // one line per workflow type, above this comment
];
