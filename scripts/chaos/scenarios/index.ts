// The lifecycles a chaos run drives, each as a client and the staff would: deposits (clean, AML
// review released or rejected, cancelled), bank accounts, KYC, withdrawals (KYC, a verified account
// and a cleared deposit first, then maker-checker approval and the simulated bank's payout, or a
// rejection, or a cancellation), orders (internal venue, paper broker), registry accounts and
// certificate transfers in and out, settlement batches to every settlement CONFIRMED, and the bank
// statement's reconciliation. Every creating POST carries its own Idempotency-Key and every action its
// own X-Request-Id, kept across retries (client.ts). A final answer other than the one the contract
// promises stops the lifecycle where it is; the end-state check then reports it.
//
// A new lifecycle is one descriptor (model.ts KindDescriptor: weight, intended status, main resource,
// resources made, its steps) in a scenario file of its own, added to KINDS below; a new resource type
// is one entry of model.ts RESOURCE_TYPES, and says how it moves balances in check-model.ts. The run,
// the checker and the report are generic over both.
import type { Random } from '../random.js';
import { BANK_ACCOUNT_KINDS } from './bank-account.js';
import { DEPOSIT_KINDS } from './deposit.js';
import { Driver } from './driver.js';
import { KYC_KINDS } from './kyc.js';
import { ORDER_KINDS } from './order.js';
import { RECONCILIATION_KINDS } from './reconciliation.js';
import { REGISTRY_KINDS } from './registry.js';
import { SETTLEMENT_KINDS } from './settlement.js';
import {
  ScenarioStop,
  type ClientAccount,
  type KindDescriptor,
  type Lifecycle,
  type LifecycleKind,
  type ScenarioWorld,
} from './model.js';
import { WITHDRAWAL_KINDS } from './withdrawal.js';

export {
  pathOf,
  reached,
  RESOURCE_TYPES,
  type ClientAccount,
  type FailureKind,
  type KindDescriptor,
  type Lifecycle,
  type LifecycleKind,
  type LostCreate,
  type LostKeyedCreate,
  type LostOrder,
  type Resource,
  type ResourceDescriptor,
  type ResourceType,
  type ScenarioWorld,
  type Staff,
} from './model.js';

/** Every lifecycle kind, in the order a run meets each once (planKinds). */
export const KINDS: Readonly<Record<LifecycleKind, KindDescriptor>> = {
  ...DEPOSIT_KINDS,
  ...BANK_ACCOUNT_KINDS,
  ...KYC_KINDS,
  ...WITHDRAWAL_KINDS,
  ...ORDER_KINDS,
  ...REGISTRY_KINDS,
  ...SETTLEMENT_KINDS,
  ...RECONCILIATION_KINDS,
};

export const LIFECYCLE_KINDS: readonly LifecycleKind[] = Object.keys(KINDS);

/** The default mix of a run, in relative weights. */
export const DEFAULT_MIX: Readonly<Record<LifecycleKind, number>> = Object.fromEntries(
  LIFECYCLE_KINDS.map((kind) => [kind, KINDS[kind]!.weight]),
);

export function descriptorOf(kind: LifecycleKind): KindDescriptor {
  const descriptor = KINDS[kind];
  if (!descriptor) throw new Error(`no lifecycle kind "${kind}"`);
  return descriptor;
}

export const needsCounterparty = (kind: LifecycleKind) => descriptorOf(kind).counterparty === true;

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
    await descriptorOf(lifecycle.kind).run(new Driver(world, lifecycle, session, random), other);
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
  mix: Readonly<Record<LifecycleKind, number>> = DEFAULT_MIX,
): LifecycleKind[] {
  const kinds: LifecycleKind[] = [];
  const everyKind = LIFECYCLE_KINDS.filter((kind) => (mix[kind] ?? 0) > 0);
  for (let i = 0; i < count; i += 1) kinds.push(i < everyKind.length ? everyKind[i]! : random.weighted(mix));
  // Shuffle (Fisher–Yates) so the kinds arrive mixed.
  for (let i = kinds.length - 1; i > 0; i -= 1) {
    const j = random.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds;
}

/**
 * `count` of the kinds, consecutive in KINDS order from a start the seed picks (wrapping round): a
 * short run that cannot afford every kind meets a different window each seed, and every kind
 * within ⌈kinds / count⌉ consecutive seeds. The mix of the kinds outside is 0.
 */
export function rotatingMix(seed: number, count: number): Record<LifecycleKind, number> {
  const n = LIFECYCLE_KINDS.length;
  const start = (((seed * count) % n) + n) % n;
  const chosen = new Set(
    Array.from({ length: Math.min(count, n) }, (_, i) => LIFECYCLE_KINDS[(start + i) % n]!),
  );
  return Object.fromEntries(LIFECYCLE_KINDS.map((kind) => [kind, chosen.has(kind) ? DEFAULT_MIX[kind]! : 0]));
}
