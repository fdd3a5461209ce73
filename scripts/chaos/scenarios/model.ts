// What a chaos run drives and records: the lifecycle kinds with their mix and intended final status,
// the resources a lifecycle creates, the world it runs in, and how it stops (ScenarioStop).
import type { ApiClient, Credentials, Session } from '../client.js';

export const LIFECYCLE_KINDS = [
  'deposit_clear',
  'deposit_aml_release',
  'deposit_aml_reject',
  'deposit_cancel',
  'bank_account_verify',
  'kyc_approve',
  'withdrawal_paid',
  'withdrawal_rejected',
  'withdrawal_cancelled',
] as const;
export type LifecycleKind = (typeof LIFECYCLE_KINDS)[number];

/** The default mix of a run, in relative weights. */
export const DEFAULT_MIX: Record<LifecycleKind, number> = {
  deposit_clear: 22,
  deposit_aml_release: 8,
  deposit_aml_reject: 6,
  deposit_cancel: 8,
  bank_account_verify: 10,
  kyc_approve: 10,
  withdrawal_paid: 20,
  withdrawal_rejected: 8,
  withdrawal_cancelled: 8,
};

/** The status a lifecycle of each kind ends in: that of the last resource it creates. */
export const INTENDED_FINAL: Record<LifecycleKind, string> = {
  deposit_clear: 'CLEARED',
  deposit_aml_release: 'CLEARED',
  deposit_aml_reject: 'REJECTED',
  deposit_cancel: 'CANCELLED',
  bank_account_verify: 'VERIFIED',
  kyc_approve: 'APPROVED',
  withdrawal_paid: 'COMPLETED',
  withdrawal_rejected: 'REJECTED',
  withdrawal_cancelled: 'CANCELLED',
};

export type ResourceType = 'deposit' | 'withdrawal' | 'bank_account' | 'kyc';

/** Statuses after which nothing changes by itself any more (a wait for another one can stop). */
export const SETTLED: Record<ResourceType, readonly string[]> = {
  deposit: ['CLEARED', 'REJECTED', 'CANCELLED', 'EXPIRED'],
  withdrawal: ['COMPLETED', 'FAILED', 'REJECTED', 'CANCELLED'],
  bank_account: ['VERIFIED', 'REJECTED', 'REMOVED'],
  kyc: ['APPROVED', 'REJECTED', 'CHANGES_REQUESTED'],
};

export interface Resource {
  type: ResourceType;
  /** The resource id; for a KYC review, the client's id. */
  id: string;
  workflowId: string;
  /** The status this lifecycle should end in. */
  intended: string;
  /** The status last read (an answer's body, a GET). */
  lastStatus: string | null;
  /** Deposits: the received amount; withdrawals: the amount (minor units of EUR). */
  amountMinor: bigint;
}

export interface ClientAccount extends Credentials {
  id: string;
}

export interface Lifecycle {
  index: number;
  kind: LifecycleKind;
  client: ClientAccount;
  resources: Resource[];
  /** Why it stopped before its last step, if it did: which step answered what. */
  failure: string | null;
  /** refused: a final answer the step did not expect; gave_up: still transient when the budget ran out. */
  failureKind: FailureKind | null;
  startedAt: number;
  endedAt: number | null;
}

export interface Staff {
  ops: Session;
  ops2: Session;
  aml: Session;
  auditor: Session;
}

export interface ScenarioWorld {
  api: ApiClient;
  staff: Staff;
  /** How long one lifecycle may take in all (requests, retries, waits). */
  lifecycleBudgetMs: number;
  pollMs: number;
}

export type FailureKind = 'refused' | 'gave_up' | 'timed_out' | 'harness';

/** Stops a lifecycle: the message says which step answered what. */
export class ScenarioStop extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

export function pathOf(resource: Pick<Resource, 'type' | 'id'>, asStaff: boolean): string {
  switch (resource.type) {
    case 'deposit':
      return `/deposits/${resource.id}`;
    case 'withdrawal':
      return `/withdrawals/${resource.id}`;
    case 'bank_account':
      return `/bank-accounts/${resource.id}`;
    case 'kyc':
      return asStaff ? `/kyc?clientId=${resource.id}` : '/kyc';
  }
}
