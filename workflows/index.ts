// Every workflow type the worker registers. Deterministic code only: no I/O, no clocks, no randomness.
export { ping } from './ping.js';
export { deposit } from './deposit.js';
export { archiveLifecycle } from './archive.js';
export { kyc } from './kyc.js';
export { bankAccount } from './bank-account.js';
export { withdrawal } from './withdrawal.js';
export { order } from './order.js';
export { settlementBatch } from './settlement-batch.js';
export { clientSettlement } from './client-settlement.js';
export { registryAccount } from './registry-account.js';
export { certificateTransfer } from './certificate-transfer.js';
export { reconciliation } from './reconciliation.js';
export { internalReconciliation } from './internal-reconciliation.js';
