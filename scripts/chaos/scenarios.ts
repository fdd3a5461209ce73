// The lifecycles a chaos run drives, each as a client and the staff would: deposits (clean, AML
// review released or rejected, cancelled), bank accounts, KYC, and withdrawals (KYC, a verified
// account and a cleared deposit first, then maker-checker approval and the simulated bank's payout,
// or a rejection, or a cancellation). Every creating POST carries its own Idempotency-Key and every
// action its own X-Request-Id, kept across retries (client.ts). A final answer other than the one
// the contract promises stops the lifecycle where it is; the end-state check then reports it.
import { randomUUID } from 'node:crypto';
import type { Answer, ApiClient, Credentials, RequestSpec, Session } from './client.js';
import type { Random } from './random.js';
import { sleep } from './random.js';

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
const SETTLED: Record<ResourceType, readonly string[]> = {
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
class ScenarioStop extends Error {
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

const eur = (minor: bigint) => `${minor / 100n}.${String(minor % 100n).padStart(2, '0')}`;
const TEST_IBAN = 'DE89370400440532013000';

// Real magic numbers (the upload is judged by its bytes), made unique per client.
const PNG_HEX =
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a4e00000000049454e44ae426082';
const PDF_TEXT =
  '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n' +
  'trailer << /Root 1 0 R >>\n%%EOF\n';

/** One lifecycle run by one client session, with the staff of the world. */
class Driver {
  readonly deadline: number;

  constructor(
    private readonly world: ScenarioWorld,
    private readonly lifecycle: Lifecycle,
    private readonly client: Session,
    private readonly random: Random,
  ) {
    this.deadline = lifecycle.startedAt + world.lifecycleBudgetMs;
  }

  private send(session: Session, spec: Omit<RequestSpec, 'deadline'>): Promise<Answer> {
    return this.world.api.send(session, { ...spec, deadline: this.deadline });
  }

  private expect(answer: Answer, status: number, step: string): void {
    if (answer.status === status) return;
    const retried = answer.attempts > 1 ? ` after ${answer.attempts} attempts` : '';
    const gaveUp = answer.gaveUp ? ' (gave up retrying)' : '';
    throw new ScenarioStop(
      answer.gaveUp ? 'gave_up' : 'refused',
      `${step}: ${answer.status} ${answer.code ?? ''}${retried}${gaveUp}`.trim(),
    );
  }

  private track(resource: Resource, answer: Answer, expected: readonly string[], step: string): void {
    resource.lastStatus = typeof answer.body?.status === 'string' ? answer.body.status : resource.lastStatus;
    if (!expected.includes(resource.lastStatus ?? '')) {
      throw new ScenarioStop(
        'refused',
        `${step}: answered status ${resource.lastStatus}, expected ${expected.join('|')}`,
      );
    }
  }

  /** A POST that creates something, with one Idempotency-Key for all its attempts. */
  private create(session: Session, path: string, json: unknown, step: string): Promise<Answer> {
    return this.send(session, { method: 'POST', path, json, idempotencyKey: `chaos-${randomUUID()}` }).then(
      (answer) => {
        this.expect(answer, 201, step);
        return answer;
      },
    );
  }

  /** An action on a resource, with one X-Request-Id for all its attempts; expects 200 and a status. */
  private async act(
    session: Session,
    resource: Resource,
    path: string,
    json: unknown,
    expected: readonly string[],
    step: string,
  ): Promise<Answer> {
    const answer = await this.send(session, {
      method: 'POST',
      path,
      json,
      requestId: `chaos-${randomUUID()}`,
    });
    this.expect(answer, 200, step);
    this.track(resource, answer, expected, step);
    return answer;
  }

  /** Polls GET until `target` (a timer or the worker moves it), a settled other status, or the deadline. */
  private async waitFor(resource: Resource, target: string): Promise<void> {
    const pollMs = this.world.pollMs;
    const polls = Math.ceil(this.world.lifecycleBudgetMs / pollMs);
    for (let i = 0; i < polls && Date.now() < this.deadline; i += 1) {
      const answer = await this.send(this.client, { method: 'GET', path: pathOf(resource, false) });
      if (answer.status === 200 && typeof answer.body?.status === 'string') {
        resource.lastStatus = answer.body.status;
        if (resource.lastStatus === target) return;
        if (SETTLED[resource.type].includes(resource.lastStatus ?? '')) break;
      }
      await sleep(pollMs);
    }
    throw new ScenarioStop(
      'timed_out',
      `waiting for ${resource.type} ${target}: last status ${resource.lastStatus}`,
    );
  }

  private add(resource: Omit<Resource, 'lastStatus'>, answer: Answer): Resource {
    const added: Resource = { ...resource, lastStatus: answer.body?.status ?? null };
    this.lifecycle.resources.push(added);
    return added;
  }

  // ---- deposits ---------------------------------------------------------------------------------

  async deposit(
    amountMinor: bigint,
    outcome: 'clear' | 'aml_release' | 'aml_reject' | 'cancel',
  ): Promise<Resource> {
    const { staff } = this.world;
    const random = this.random;
    const amount = eur(amountMinor);
    const intended = {
      clear: 'CLEARED',
      aml_release: 'CLEARED',
      aml_reject: 'REJECTED',
      cancel: 'CANCELLED',
    };
    const created = await this.create(
      this.client,
      '/deposits',
      { amount, currency: 'EUR', wireReference: `chaos lifecycle ${this.lifecycle.index}` },
      'announce deposit',
    );
    const deposit = this.add(
      {
        type: 'deposit',
        id: created.body.id,
        workflowId: created.body.workflowId,
        intended: intended[outcome],
        amountMinor,
      },
      created,
    );
    this.track(deposit, created, ['PENDING'], 'announce deposit');
    const id = deposit.id;

    if (outcome === 'cancel') {
      await this.act(this.client, deposit, `/deposits/${id}/cancel`, {}, ['CANCELLED'], 'cancel deposit');
      return deposit;
    }
    // Clean: same amount, a German bank, our reference on the wire → short hold. Flagged: a sender in a
    // high-risk country, or an amount at the review threshold → AML review.
    const flagged = outcome !== 'clear';
    const country = flagged && amountMinor < 10_000_000n ? 'KP' : 'DE';
    await this.act(
      staff.ops,
      deposit,
      `/ops/deposits/${id}/confirm`,
      {
        receivedAmount: amount,
        senderCountry: country,
        senderReference: `Payment ${created.body.reference}`,
        note: 'seen on the statement',
      },
      // A retried confirm answers the deposit as it is now: its short hold may be over already.
      flagged ? ['AML_REVIEW'] : ['ON_HOLD', 'CLEARED'],
      'confirm deposit',
    );
    if (outcome === 'clear') await this.waitFor(deposit, 'CLEARED');
    else if (outcome === 'aml_release')
      await this.act(
        staff.aml,
        deposit,
        `/ops/deposits/${id}/release`,
        { note: 'source of funds documented' },
        ['CLEARED'],
        'release deposit',
      );
    else
      await this.act(
        staff.aml,
        deposit,
        `/ops/deposits/${id}/reject`,
        { reason: random.chance(0.5) ? 'sender not identified' : 'sanctions hit' },
        ['REJECTED'],
        'reject deposit',
      );
    return deposit;
  }

  // ---- bank accounts and KYC --------------------------------------------------------------------

  async bankAccount(): Promise<Resource> {
    const created = await this.create(
      this.client,
      '/bank-accounts',
      {
        iban: TEST_IBAN,
        bic: 'COBADEFFXXX',
        accountName: `Chaos Client ${this.lifecycle.index}`,
        bankName: 'Commerzbank',
        country: 'DE',
      },
      'add bank account',
    );
    const account = this.add(
      {
        type: 'bank_account',
        id: created.body.id,
        workflowId: created.body.workflowId,
        intended: 'VERIFIED',
        amountMinor: 0n,
      },
      created,
    );
    this.track(account, created, ['PENDING_VERIFICATION'], 'add bank account');
    await this.act(
      this.world.staff.ops,
      account,
      `/ops/bank-accounts/${account.id}/verify`,
      { note: 'name matches' },
      ['VERIFIED'],
      'verify bank account',
    );
    return account;
  }

  private upload(
    type: string,
    data: Uint8Array<ArrayBuffer>,
    name: string,
    contentType: string,
  ): Promise<Answer> {
    const form = () => {
      const body = new FormData();
      body.append('type', type);
      body.append('file', new Blob([data], { type: contentType }), name);
      return body;
    };
    return this.send(this.client, {
      method: 'POST',
      path: '/kyc/documents',
      form,
      idempotencyKey: `chaos-${randomUUID()}`,
    }).then((answer) => {
      this.expect(answer, 201, `upload ${type}`);
      return answer;
    });
  }

  async kyc(): Promise<Resource> {
    const salt = new TextEncoder().encode(`\n${randomUUID()}\n`);
    const png = new Uint8Array([...Buffer.from(PNG_HEX, 'hex'), ...salt]);
    const pdf = new Uint8Array([...Buffer.from(PDF_TEXT, 'latin1'), ...salt]);
    await this.upload('passport', png, 'passport.png', 'image/png');
    await this.upload('proof_of_address', pdf, 'bill.pdf', 'application/pdf');
    const review: Resource = {
      type: 'kyc',
      id: this.lifecycle.client.id,
      workflowId: `kyc-${this.lifecycle.client.id}`,
      intended: 'APPROVED',
      lastStatus: 'NOT_STARTED',
      amountMinor: 0n,
    };
    this.lifecycle.resources.push(review);
    await this.act(this.client, review, '/kyc/submit', {}, ['PENDING_REVIEW'], 'submit KYC');
    await this.act(
      this.world.staff.ops,
      review,
      `/ops/kyc/${review.id}/approve`,
      { note: 'documents check out' },
      ['APPROVED'],
      'approve KYC',
    );
    return review;
  }

  // ---- withdrawals ------------------------------------------------------------------------------

  async withdrawal(outcome: 'paid' | 'rejected' | 'cancelled'): Promise<void> {
    const { staff } = this.world;
    const random = this.random;
    const depositMinor = 100_000n;
    // The prerequisites are independent: run them side by side, stop on the first failure.
    const settled = await Promise.allSettled([
      this.kyc(),
      this.bankAccount(),
      this.deposit(depositMinor, 'clear'),
    ]);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const account = (settled[1] as PromiseFulfilledResult<Resource>).value;

    // Below 500.00 one approval (policy of the run), at or above it two distinct approvers.
    const amountMinor = BigInt(random.int(50, 950)) * 100n + BigInt(random.int(0, 99));
    const intended = { paid: 'COMPLETED', rejected: 'REJECTED', cancelled: 'CANCELLED' }[outcome];
    const created = await this.create(
      this.client,
      '/withdrawals',
      { amount: eur(amountMinor), currency: 'EUR', bankAccountId: account.id },
      'request withdrawal',
    );
    const withdrawal = this.add(
      { type: 'withdrawal', id: created.body.id, workflowId: created.body.workflowId, intended, amountMinor },
      created,
    );
    this.track(withdrawal, created, ['PENDING_APPROVAL'], 'request withdrawal');
    const path = `/withdrawals/${withdrawal.id}`;
    const opsPath = `/ops${path}`;
    const twoApprovers = created.body.approvalsRequired === 2;

    if (outcome === 'cancelled') {
      await this.act(this.client, withdrawal, `${path}/cancel`, {}, ['CANCELLED'], 'cancel withdrawal');
      return;
    }
    if (outcome === 'rejected') {
      if (twoApprovers && random.chance(0.5)) {
        await this.act(
          staff.ops,
          withdrawal,
          `${opsPath}/approve`,
          { note: 'maker' },
          ['PENDING_APPROVAL'],
          'first approval',
        );
      }
      await this.act(
        staff.ops2,
        withdrawal,
        `${opsPath}/reject`,
        { reason: 'payee doubts' },
        ['REJECTED'],
        'reject withdrawal',
      );
      return;
    }
    if (twoApprovers) {
      await this.act(
        staff.ops,
        withdrawal,
        `${opsPath}/approve`,
        { note: 'maker' },
        ['PENDING_APPROVAL'],
        'first approval',
      );
      await this.act(
        staff.ops2,
        withdrawal,
        `${opsPath}/approve`,
        { note: 'checker' },
        ['PROCESSING', 'COMPLETED'],
        'second approval',
      );
    } else {
      await this.act(
        staff.ops2,
        withdrawal,
        `${opsPath}/approve`,
        { note: 'ok' },
        ['PROCESSING', 'COMPLETED'],
        'approval',
      );
    }
    await this.waitFor(withdrawal, 'COMPLETED');
  }

  async run(kind: LifecycleKind): Promise<void> {
    const random = this.random;
    const depositMinor = () => BigInt(random.int(100, 4999)) * 100n + BigInt(random.int(0, 99));
    switch (kind) {
      case 'deposit_clear':
        await this.deposit(depositMinor(), 'clear');
        return;
      case 'deposit_aml_release':
        // Half at the review threshold, half from a high-risk country.
        await this.deposit(random.chance(0.5) ? 15_000_000n : depositMinor(), 'aml_release');
        return;
      case 'deposit_aml_reject':
        await this.deposit(random.chance(0.5) ? 15_000_000n : depositMinor(), 'aml_reject');
        return;
      case 'deposit_cancel':
        await this.deposit(depositMinor(), 'cancel');
        return;
      case 'bank_account_verify':
        await this.bankAccount();
        return;
      case 'kyc_approve':
        await this.kyc();
        return;
      case 'withdrawal_paid':
        await this.withdrawal('paid');
        return;
      case 'withdrawal_rejected':
        await this.withdrawal('rejected');
        return;
      case 'withdrawal_cancelled':
        await this.withdrawal('cancelled');
        return;
    }
  }
}

/** Runs one lifecycle to its end or to the first answer that stops it; never throws. */
export async function runLifecycle(
  world: ScenarioWorld,
  lifecycle: Lifecycle,
  random: Random,
): Promise<void> {
  lifecycle.startedAt = Date.now();
  try {
    const session = await world.api
      .login(lifecycle.client, lifecycle.startedAt + world.lifecycleBudgetMs)
      .catch((error: Error) => {
        throw new ScenarioStop('gave_up', `sign in: ${error.message}`);
      });
    await new Driver(world, lifecycle, session, random).run(lifecycle.kind);
  } catch (error) {
    lifecycle.failure = error instanceof Error ? error.message : String(error);
    lifecycle.failureKind = error instanceof ScenarioStop ? error.kind : 'harness';
  } finally {
    lifecycle.endedAt = Date.now();
  }
}

/** The kinds of `count` lifecycles: every kind once (while there is room), the rest drawn from `mix`. */
export function planKinds(
  count: number,
  random: Random,
  mix: Record<LifecycleKind, number> = DEFAULT_MIX,
): LifecycleKind[] {
  const kinds: LifecycleKind[] = [];
  const everyKind = LIFECYCLE_KINDS.filter((kind) => mix[kind] > 0);
  for (let i = 0; i < count; i += 1) kinds.push(i < everyKind.length ? everyKind[i]! : random.weighted(mix));
  // Shuffle (Fisher–Yates) so the kinds arrive mixed.
  for (let i = kinds.length - 1; i > 0; i -= 1) {
    const j = random.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds;
}
