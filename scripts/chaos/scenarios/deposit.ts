// A deposit as a client announces it and the staff see it arrive: cleared after its short hold,
// released or rejected by AML after a review, or cancelled by the client before it arrives.
import { eur, type Driver } from './driver.js';
import type { KindDescriptor, Resource } from './model.js';

export type DepositOutcome = 'clear' | 'aml_release' | 'aml_reject' | 'cancel';

const INTENDED: Record<DepositOutcome, string> = {
  clear: 'CLEARED',
  aml_release: 'CLEARED',
  aml_reject: 'REJECTED',
  cancel: 'CANCELLED',
};

export async function runDeposit(
  driver: Driver,
  amountMinor: bigint,
  outcome: DepositOutcome,
  currency: 'EUR' | 'USD' = 'EUR',
): Promise<Resource> {
  const { staff } = driver.world;
  const amount = eur(amountMinor);
  const created = await driver.create(
    driver.client,
    '/deposits',
    { json: { amount, currency, wireReference: `chaos lifecycle ${driver.lifecycle.index}` } },
    'announce deposit',
    // Announced, never confirmed: it waits for its money (the run's announcement window is an hour).
    { type: 'deposit', intended: 'PENDING', amountMinor, asset: currency },
  );
  const deposit = driver.add(
    {
      type: 'deposit',
      id: created.body.id,
      workflowId: created.body.workflowId,
      intended: INTENDED[outcome],
      amountMinor,
      asset: currency,
      // The reference the client puts on its wire: what a bank statement shows (reconciliation).
      detail: { reference: created.body.reference },
    },
    created,
  );
  driver.track(deposit, created, ['PENDING'], 'announce deposit');
  const id = deposit.id;

  if (outcome === 'cancel') {
    await driver.act(driver.client, deposit, `/deposits/${id}/cancel`, {}, ['CANCELLED'], 'cancel deposit');
    return deposit;
  }
  // Clean: same amount, a German bank, our reference on the wire → short hold. Flagged: a sender in a
  // high-risk country, or an amount at the review threshold → AML review.
  const flagged = outcome !== 'clear';
  const country = flagged && amountMinor < 10_000_000n ? 'KP' : 'DE';
  await driver.act(
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
  if (outcome === 'clear') await driver.waitFor(deposit, 'CLEARED');
  else await decideReview(driver, deposit, outcome === 'aml_release');
  return deposit;
}

/** AML's decision on a flagged deposit: released, or rejected for one of two reasons. */
async function decideReview(driver: Driver, deposit: Resource, release: boolean): Promise<void> {
  const { aml } = driver.world.staff;
  const path = `/ops/deposits/${deposit.id}`;
  if (release) {
    await driver.act(
      aml,
      deposit,
      `${path}/release`,
      { note: 'source of funds documented' },
      ['CLEARED'],
      'release deposit',
    );
    return;
  }
  const reason = driver.random.chance(0.5) ? 'sender not identified' : 'sanctions hit';
  await driver.act(aml, deposit, `${path}/reject`, { reason }, ['REJECTED'], 'reject deposit');
}

/** 100.00 to 4999.99, cents included. */
const depositMinor = (driver: Driver) =>
  BigInt(driver.random.int(100, 4999)) * 100n + BigInt(driver.random.int(0, 99));
/** Half at the review threshold (150 000.00), half from a high-risk country. */
const flaggedMinor = (driver: Driver) => (driver.random.chance(0.5) ? 15_000_000n : depositMinor(driver));

const deposit = (
  outcome: DepositOutcome,
  weight: number,
  amount: (driver: Driver) => bigint,
): KindDescriptor => ({
  weight,
  intended: INTENDED[outcome],
  mainType: 'deposit',
  partners: [],
  resources: 1,
  run: async (driver) => void (await runDeposit(driver, amount(driver), outcome)),
});

export const DEPOSIT_KINDS: Record<string, KindDescriptor> = {
  deposit_clear: deposit('clear', 22, depositMinor),
  deposit_aml_release: deposit('aml_release', 8, flaggedMinor),
  deposit_aml_reject: deposit('aml_reject', 6, flaggedMinor),
  deposit_cancel: deposit('cancel', 8, depositMinor),
};
