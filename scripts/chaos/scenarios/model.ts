// What a chaos run drives and records: the descriptors of lifecycle kinds (KindDescriptor, one per
// kind in the scenario files) and of resource types (RESOURCE_TYPES), the resources a lifecycle
// creates, the world it runs in, and how it stops (ScenarioStop).
import { BANK_ACCOUNT_TYPE } from '../../../domain/bank-account.js';
import { CERTIFICATE_TRANSFER_TYPE } from '../../../domain/certificate-transfer.js';
import { DEPOSIT_TYPE } from '../../../domain/deposit.js';
import { RECONCILIATION_TYPE } from '../../../domain/reconciliation/lifecycle.js';
import { REGISTRY_ACCOUNT_TYPE } from '../../../domain/registry-account.js';
import { SETTLEMENT_BATCH_TYPE } from '../../../domain/settlement.js';
import { WITHDRAWAL_TYPE } from '../../../domain/withdrawal.js';
import type { ApiClient, Credentials, Session } from '../client.js';
import type { Driver } from './driver.js';

/**
 * A lifecycle kind's name, e.g. `deposit_clear`. The kinds themselves are descriptors (KindDescriptor)
 * in the scenario files, gathered in index.ts: a new lifecycle is one descriptor there.
 */
export type LifecycleKind = string;

/** Everything the run and the checker know of one lifecycle kind. */
export interface KindDescriptor {
  /** Relative weight in the default mix. */
  weight: number;
  /** The status of its main resource at the end; `A|B` when the script allows either. */
  intended: string;
  /** The resource whose status the report shows as the lifecycle's final state. */
  mainType: ResourceType;
  /** How many resources it creates at least when it runs to its end (fewer: it stopped early). */
  resources: number;
  /** It needs a second client (the other side of a trade); the run creates one for it. */
  counterparty?: boolean;
  /** The simulated partners its steps go through (the report tells which outages hit it). */
  partners: readonly ('bank' | 'registry' | 'broker')[];
  /** Its steps, as the client (and the counterparty) and the staff take them. */
  run(driver: Driver, counterparty: Driver | null): Promise<void>;
}

/** Everything the run and the checker know of one type of resource. */
export interface ResourceDescriptor {
  /** Statuses after which nothing changes by itself any more (a wait for another one can stop). */
  settled: readonly string[];
  /** Statuses in which its workflow stays open (waiting for a person, a timer, a removal). */
  open: readonly string[];
  /** The route that reads one; staff read a KYC review by the client's id. */
  path(id: string, asStaff: boolean): string;
  /** Only staff may read it (the client's own reads are the staff's, e.g. reconciliations). */
  staffOnly?: boolean;
  /** The staff list of every such resource, for the orphan check (a create whose answer was lost). */
  list?: string;
  /**
   * The scope its creating POST derives the business id with from the sender and the
   * Idempotency-Key (`idempotentUuid(user, key, scope)`, api/idempotency.ts): a create whose answer
   * was lost is read by that id (check-lost.ts). None: not made by a keyed POST (KYC starts with its
   * submit, settlements with their batch) or, orders, derived from the clientOrderId instead.
   */
  keyScope?: string;
}

export const RESOURCE_TYPES = {
  deposit: {
    settled: ['CLEARED', 'REJECTED', 'CANCELLED', 'EXPIRED'],
    open: ['PENDING', 'ON_HOLD', 'AML_REVIEW'],
    path: (id) => `/deposits/${id}`,
    list: '/deposits',
    keyScope: DEPOSIT_TYPE,
  },
  withdrawal: {
    settled: ['COMPLETED', 'FAILED', 'REJECTED', 'CANCELLED'],
    open: ['PENDING_APPROVAL', 'PROCESSING'],
    path: (id) => `/withdrawals/${id}`,
    list: '/withdrawals',
    keyScope: WITHDRAWAL_TYPE,
  },
  bank_account: {
    settled: ['VERIFIED', 'REJECTED', 'REMOVED'],
    open: ['PENDING_VERIFICATION', 'VERIFIED'],
    path: (id) => `/bank-accounts/${id}`,
    list: '/bank-accounts',
    keyScope: BANK_ACCOUNT_TYPE,
  },
  kyc: {
    settled: ['APPROVED', 'REJECTED', 'CHANGES_REQUESTED'],
    open: ['NOT_STARTED', 'PENDING_REVIEW', 'APPROVED', 'CHANGES_REQUESTED'],
    path: (id, asStaff) => (asStaff ? `/kyc?clientId=${id}` : '/kyc'),
  },
  order: {
    settled: ['FILLED', 'CANCELLED', 'REJECTED', 'EXPIRED'],
    open: ['NEW', 'VALIDATED', 'ROUTED', 'PARTIALLY_FILLED'],
    path: (id) => `/orders/${id}`,
    list: '/orders',
  },
  registry_account: {
    settled: ['VERIFIED', 'REJECTED'],
    open: ['PENDING_VERIFICATION'],
    path: (id) => `/registry-accounts/${id}`,
    list: '/registry-accounts',
    keyScope: REGISTRY_ACCOUNT_TYPE,
  },
  certificate_transfer: {
    settled: ['COMPLETED', 'FAILED', 'REJECTED', 'CANCELLED'],
    open: ['PENDING_RECEIPT', 'PENDING_APPROVAL', 'PROCESSING'],
    path: (id) => `/certificate-transfers/${id}`,
    list: '/certificate-transfers',
    keyScope: CERTIFICATE_TRANSFER_TYPE,
  },
  settlement_batch: {
    settled: ['COMPLETED'],
    open: ['COLLECTED', 'SETTLING'],
    path: (id) => `/ops/settlement-batches/${id}`,
    staffOnly: true,
    list: '/ops/settlement-batches',
    keyScope: SETTLEMENT_BATCH_TYPE,
  },
  settlement: {
    settled: ['CONFIRMED', 'CANCELLED'],
    open: ['INITIATED', 'PROCESSED', 'DELIVERED', 'FAILING'],
    path: (id) => `/settlements/${id}`,
    list: '/settlements',
  },
  reconciliation: {
    settled: ['RECONCILED'],
    open: ['IMPORTED', 'MATCHING', 'BREAKS_OPEN'],
    path: (id) => `/ops/reconciliations/${id}`,
    staffOnly: true,
    list: '/ops/reconciliations',
    // The first statement of the uploaded file: the run uploads files of one.
    keyScope: `${RECONCILIATION_TYPE}/0`,
  },
} as const satisfies Record<string, ResourceDescriptor>;

export type ResourceType = keyof typeof RESOURCE_TYPES;

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
  /**
   * Deposits: the received amount; withdrawals: the amount; certificate transfers: the quantity (minor
   * units of `asset`).
   */
  amountMinor: bigint;
  /** The asset `amountMinor` is in (EUR when not said). */
  asset?: string;
  /** The last body read of it (orders: fills, reservation, quantities for the checker's model). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  detail?: any;
}

/** Whether `resource` is in (one of) the status(es) its script intends. */
export function reached(resource: Pick<Resource, 'intended' | 'lastStatus'>): boolean {
  return resource.lastStatus !== null && resource.intended.split('|').includes(resource.lastStatus);
}

/**
 * A create whose answer the client never got (it gave up retrying): the platform may have made the
 * resource all the same. The checker looks it up (check-lost.ts) and counts it like any other, in
 * the status the script implies now that it stopped there. An order by the client's own reference
 * (its clientOrderId, which its id derives from); every other create by its Idempotency-Key.
 */
export type LostCreate = LostOrder | LostKeyedCreate;

export interface LostOrder {
  type: 'order';
  ownerId: string;
  /** The reference the client put in the body (an order's clientOrderId). */
  clientReference: string;
  /** The status it ends in with no further step of the script (`A|B` when either). */
  intended: string;
  step: string;
}

/** The resource types a keyed POST creates (RESOURCE_TYPES `keyScope`). */
export type KeyedResourceType = {
  [T in ResourceType]: (typeof RESOURCE_TYPES)[T] extends { keyScope: string } ? T : never;
}[ResourceType];

/**
 * A lost create found by the id its POST derives from the sender and the key. A KYC document is
 * no lifecycle of its own (the review starts with the submit): found, it is named and not counted.
 */
export interface LostKeyedCreate {
  type: KeyedResourceType | 'kyc_document';
  /** Who sent the POST (operations for a batch or a statement): the id derives from them and the key. */
  senderId: string;
  idempotencyKey: string;
  /** The client whose balances it moves (as Resource ownerId). */
  ownerId: string;
  /** The status it ends in with no further step of the script (`A|B` when either). */
  intended: string;
  step: string;
  /** What the model counts of it (as Resource): the amount asked for, its asset, e.g. a direction. */
  amountMinor: bigint;
  asset?: string;
  detail?: Record<string, unknown>;
}

/** What a create's step says of the resource it would have made, should its answer be lost. */
export type IfLost = Omit<LostKeyedCreate, 'senderId' | 'idempotencyKey' | 'ownerId' | 'step'>;

export interface ClientAccount extends Credentials {
  id: string;
}

export interface Lifecycle {
  index: number;
  kind: LifecycleKind;
  client: ClientAccount;
  /** The other side of a trade, for kinds whose descriptor asks for one; null otherwise. */
  counterparty: ClientAccount | null;
  resources: Resource[];
  /** Creates whose answer was lost; the checker adds what it finds of them to `resources`. */
  lostCreates: LostCreate[];
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
  /** A signed-in session of any client of the run, by id (one sign-in each, kept); null if unknown. */
  sessionOf(clientId: string): Promise<Session | null>;
  /** Every lifecycle of the run (the ones a reconciliation's statement or a settlement batch spans). */
  lifecycles: readonly Lifecycle[];
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
  const descriptor: ResourceDescriptor = RESOURCE_TYPES[resource.type];
  return descriptor.path(resource.id, asStaff);
}
