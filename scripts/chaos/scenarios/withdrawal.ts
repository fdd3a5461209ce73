// A withdrawal as a client requests it: KYC, a verified account and a cleared deposit first, then
// maker-checker approval and the simulated bank's payout, or a rejection, or a cancellation.
import { runBankAccount } from './bank-account.js';
import { runDeposit } from './deposit.js';
import { eur, type Driver } from './driver.js';
import { runKyc } from './kyc.js';
import type { KindDescriptor, Resource } from './model.js';

export type WithdrawalOutcome = 'paid' | 'rejected' | 'cancelled';

const INTENDED: Record<WithdrawalOutcome, string> = {
  paid: 'COMPLETED',
  rejected: 'REJECTED',
  cancelled: 'CANCELLED',
};

/** What a withdrawal needs first; they are independent, so side by side, stopping on the first failure. */
async function prerequisites(driver: Driver): Promise<{ account: Resource }> {
  const depositMinor = 100_000n;
  const settled = await Promise.allSettled([
    runKyc(driver),
    runBankAccount(driver),
    runDeposit(driver, depositMinor, 'clear'),
  ]);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return { account: (settled[1] as PromiseFulfilledResult<Resource>).value };
}

export async function runWithdrawal(driver: Driver, outcome: WithdrawalOutcome): Promise<void> {
  const { account } = await prerequisites(driver);
  // Below 500.00 one approval (policy of the run), at or above it two distinct approvers.
  const amountMinor = BigInt(driver.random.int(50, 950)) * 100n + BigInt(driver.random.int(0, 99));
  const created = await driver.create(
    driver.client,
    '/withdrawals',
    { json: { amount: eur(amountMinor), currency: 'EUR', bankAccountId: account.id } },
    'request withdrawal',
    // Its amount held, waiting for an approval nobody gives (the run's approval SLA is an hour).
    { type: 'withdrawal', intended: 'PENDING_APPROVAL', amountMinor },
  );
  const withdrawal = driver.add(
    {
      type: 'withdrawal',
      id: created.body.id,
      workflowId: created.body.workflowId,
      intended: INTENDED[outcome],
      amountMinor,
    },
    created,
  );
  driver.track(withdrawal, created, ['PENDING_APPROVAL'], 'request withdrawal');
  const twoApprovers = created.body.approvalsRequired === 2;

  if (outcome === 'cancelled') {
    const path = `/withdrawals/${withdrawal.id}/cancel`;
    await driver.act(driver.client, withdrawal, path, {}, ['CANCELLED'], 'cancel withdrawal');
  } else if (outcome === 'rejected') {
    await reject(driver, withdrawal, twoApprovers);
  } else {
    await approve(driver, withdrawal, twoApprovers);
    await driver.waitFor(withdrawal, 'COMPLETED');
  }
}

/** A rejection by the checker; with two approvers, half the time after the maker's approval. */
async function reject(driver: Driver, withdrawal: Resource, twoApprovers: boolean): Promise<void> {
  const { staff } = driver.world;
  const opsPath = `/ops/withdrawals/${withdrawal.id}`;
  if (twoApprovers && driver.random.chance(0.5)) {
    await driver.act(
      staff.ops,
      withdrawal,
      `${opsPath}/approve`,
      { note: 'maker' },
      ['PENDING_APPROVAL'],
      'first approval',
    );
  }
  await driver.act(
    staff.ops2,
    withdrawal,
    `${opsPath}/reject`,
    { reason: 'payee doubts' },
    ['REJECTED'],
    'reject withdrawal',
  );
}

/** One approval, or a maker's and a checker's; the last one starts the payout. */
async function approve(driver: Driver, withdrawal: Resource, twoApprovers: boolean): Promise<void> {
  const { staff } = driver.world;
  const opsPath = `/ops/withdrawals/${withdrawal.id}`;
  if (!twoApprovers) {
    await driver.act(
      staff.ops2,
      withdrawal,
      `${opsPath}/approve`,
      { note: 'ok' },
      ['PROCESSING', 'COMPLETED'],
      'approval',
    );
    return;
  }
  await driver.act(
    staff.ops,
    withdrawal,
    `${opsPath}/approve`,
    { note: 'maker' },
    ['PENDING_APPROVAL'],
    'first approval',
  );
  await driver.act(
    staff.ops2,
    withdrawal,
    `${opsPath}/approve`,
    { note: 'checker' },
    ['PROCESSING', 'COMPLETED'],
    'second approval',
  );
}

/** KYC, a bank account and a deposit first: four resources when it runs to its end. */
const withdrawal = (outcome: WithdrawalOutcome, weight: number): KindDescriptor => ({
  weight,
  intended: INTENDED[outcome],
  mainType: 'withdrawal',
  partners: ['bank'],
  resources: 4,
  run: (driver) => runWithdrawal(driver, outcome),
});

export const WITHDRAWAL_KINDS: Record<string, KindDescriptor> = {
  withdrawal_paid: withdrawal('paid', 20),
  withdrawal_rejected: withdrawal('rejected', 8),
  withdrawal_cancelled: withdrawal('cancelled', 8),
};
