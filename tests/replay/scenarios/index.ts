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
import { V2_DESCRIPTION, inTheNewShape } from './v2.js';
import { withdrawalScenarios } from './withdrawal.js';

export type { CaptureContext, Scenario } from './types.js';

export const scenarios: Scenario[] = [
  // First: an internal reconciliation reads the whole ledger, balanced only while nothing else ran.
  ...internalReconciliationScenarios,
  // Issue 15's shape (tests/replay/scenarios/v2.ts) here too: each leaves the ledger as it found it.
  ...inTheNewShape(internalReconciliationScenarios, ['balanced', 'differences']),
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
  // Issue 15's shape of every lifecycle type (deposit's are in deposit.ts): the main endings and
  // human actions of each, including a run that closes without a closing transition (declined).
  ...inTheNewShape(kycScenarios, ['approve', 'reject', 'resubmit-approve']),
  ...inTheNewShape(bankAccountScenarios, ['verify-remove', 'reject']),
  ...inTheNewShape(withdrawalScenarios, ['approve', 'four-eyes', 'reject', 'bank-refuses', 'declined']),
  ...inTheNewShape(orderScenarios, ['rejected', 'taker-filled', 'amend-cancel', 'paper-filled']),
  ...inTheNewShape(registryAccountScenarios, ['verified', 'rejected']),
  ...inTheNewShape(certificateTransferScenarios, ['in-confirmed', 'out-approved', 'out-declined']),
  ...inTheNewShape(settlementBatchScenarios, ['empty', 'completed']),
  ...inTheNewShape(clientSettlementScenarios, ['confirmed', 'short-retried']),
  ...inTheNewShape(reconciliationScenarios, ['all-matched', 'breaks-resolved']),
  // And as -v3: the matching given 10 s between heartbeats (patched('reconciliation-match-heartbeat-10s')).
  ...inTheNewShape(
    reconciliationScenarios,
    ['all-matched', 'breaks-resolved'],
    `${V2_DESCRIPTION}, matching with a 10 s heartbeat timeout`,
    'v3',
  ),
];
