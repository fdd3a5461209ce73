// The lifecycles a chaos run drives, each as a client and the staff would: deposits (clean, AML
// review released or rejected, cancelled), bank accounts, KYC, and withdrawals (KYC, a verified
// account and a cleared deposit first, then maker-checker approval and the simulated bank's payout,
// or a rejection, or a cancellation). Every creating POST carries its own Idempotency-Key and every
// action its own X-Request-Id, kept across retries (client.ts). A final answer other than the one
// the contract promises stops the lifecycle where it is; the end-state check then reports it.
//
// A new lifecycle joins in one place: its kinds in model.ts (LIFECYCLE_KINDS, DEFAULT_MIX,
// INTENDED_FINAL, and SETTLED/pathOf for a new resource type), its script in a file of its own here,
// and one case below. The checker is generic over resources (check.ts); a lifecycle that moves money
// says how in the balance model (check-model.ts).
import type { Random } from '../random.js';
import { runBankAccount } from './bank-account.js';
import { runDeposit } from './deposit.js';
import { Driver } from './driver.js';
import { runKyc } from './kyc.js';
import { runOrderCross, runOrderRejected, runOrderRestCancel } from './order.js';
import {
  DEFAULT_MIX,
  LIFECYCLE_KINDS,
  ScenarioStop,
  type ClientAccount,
  type Lifecycle,
  type LifecycleKind,
  type ScenarioWorld,
} from './model.js';
import { runWithdrawal } from './withdrawal.js';

export {
  DEFAULT_MIX,
  INTENDED_FINAL,
  LIFECYCLE_KINDS,
  NEEDS_COUNTERPARTY,
  pathOf,
  reached,
  type ClientAccount,
  type FailureKind,
  type Lifecycle,
  type LifecycleKind,
  type Resource,
  type ResourceType,
  type ScenarioWorld,
  type Staff,
} from './model.js';

/** The steps of one lifecycle of `kind`. */
async function runKind(driver: Driver, kind: LifecycleKind, counterparty: Driver | null): Promise<void> {
  const random = driver.random;
  const depositMinor = () => BigInt(random.int(100, 4999)) * 100n + BigInt(random.int(0, 99));
  switch (kind) {
    case 'deposit_clear':
      await runDeposit(driver, depositMinor(), 'clear');
      return;
    case 'deposit_aml_release':
      // Half at the review threshold, half from a high-risk country.
      await runDeposit(driver, random.chance(0.5) ? 15_000_000n : depositMinor(), 'aml_release');
      return;
    case 'deposit_aml_reject':
      await runDeposit(driver, random.chance(0.5) ? 15_000_000n : depositMinor(), 'aml_reject');
      return;
    case 'deposit_cancel':
      await runDeposit(driver, depositMinor(), 'cancel');
      return;
    case 'bank_account_verify':
      await runBankAccount(driver);
      return;
    case 'kyc_approve':
      await runKyc(driver);
      return;
    case 'withdrawal_paid':
      await runWithdrawal(driver, 'paid');
      return;
    case 'withdrawal_rejected':
      await runWithdrawal(driver, 'rejected');
      return;
    case 'withdrawal_cancelled':
      await runWithdrawal(driver, 'cancelled');
      return;
    case 'order_cross':
      if (!counterparty) throw new Error('order_cross runs with a counterparty');
      await runOrderCross(driver, counterparty);
      return;
    case 'order_rest_cancel':
      await runOrderRestCancel(driver);
      return;
    case 'order_rejected':
      await runOrderRejected(driver);
      return;
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
    const signIn = (who: ClientAccount) =>
      world.api.login(who, lifecycle.startedAt + world.lifecycleBudgetMs).catch((error: Error) => {
        throw new ScenarioStop('gave_up', `sign in: ${error.message}`);
      });
    const session = await signIn(lifecycle.client);
    const other = lifecycle.counterparty
      ? new Driver(world, lifecycle, await signIn(lifecycle.counterparty), random)
      : null;
    await runKind(new Driver(world, lifecycle, session, random), lifecycle.kind, other);
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
