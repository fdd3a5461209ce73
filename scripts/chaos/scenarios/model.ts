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
  'order_cross',
  'order_rest_cancel',
  'order_rejected',
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
  order_cross: 16,
  order_rest_cancel: 6,
  order_rejected: 4,
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
  // The maker's order: FILLED when takers took it all, else CANCELLED after its amend and cancel.
  order_cross: 'FILLED|CANCELLED',
  order_rest_cancel: 'CANCELLED',
  order_rejected: 'REJECTED',
};

/**
 * Lifecycle kinds that need a second client (the taker of a crossing order). A new kind that trades
 * against someone names itself here; the run creates the counterparties.
 */
export const NEEDS_COUNTERPARTY: ReadonlySet<LifecycleKind> = new Set(['order_cross']);

export type ResourceType = 'deposit' | 'withdrawal' | 'bank_account' | 'kyc' | 'order';

/** Statuses after which nothing changes by itself any more (a wait for another one can stop). */
export const SETTLED: Record<ResourceType, readonly string[]> = {
  deposit: ['CLEARED', 'REJECTED', 'CANCELLED', 'EXPIRED'],
  withdrawal: ['COMPLETED', 'FAILED', 'REJECTED', 'CANCELLED'],
  bank_account: ['VERIFIED', 'REJECTED', 'REMOVED'],
  kyc: ['APPROVED', 'REJECTED', 'CHANGES_REQUESTED'],
  order: ['FILLED', 'CANCELLED', 'REJECTED', 'EXPIRED'],
};

export interface Resource {
  type: ResourceType;
  /** The resource id; for a KYC review, the client's id. */
  id: string;
  workflowId: string;
  /**
   * The status this lifecycle should end in; `A|B` when the script allows either (an order that
   * other lifecycles' orders may fill before its cancel arrives).
   */
  intended: string;
  /** The client whose balances this resource moves (the lifecycle's client unless a counterparty's). */
  ownerId: string;
  /** The status last read (an answer's body, a GET). */
  lastStatus: string | null;
  /** Deposits: the received amount; withdrawals: the amount (minor units of EUR). */
  amountMinor: bigint;
  /** The last body read of it (orders: fills, reservation, quantities for the checker's model). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  detail?: any;
}

/** Whether `resource` is in (one of) the status(es) its script intends. */
export function reached(resource: Pick<Resource, 'intended' | 'lastStatus'>): boolean {
  return resource.lastStatus !== null && resource.intended.split('|').includes(resource.lastStatus);
}

export interface ClientAccount extends Credentials {
  id: string;
}

export interface Lifecycle {
  index: number;
  kind: LifecycleKind;
  client: ClientAccount;
  /** The other side of a trade, for the kinds in NEEDS_COUNTERPARTY; null otherwise. */
  counterparty: ClientAccount | null;
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
  /**
   * Certificates a client holds at the registry, moved in as the demo seed does (the registryTransferIn
   * recipe through db/ledger); the certificate-transfer lifecycle replaces this once it has a scenario.
   */
  transferIn(clientId: string, asset: 'EUA' | 'CEA', quantity: bigint): Promise<void>;
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
    case 'order':
      return `/orders/${resource.id}`;
  }
}
