// The `reconciliation` policy: how lenient matching is. Amounts are decimal strings per asset (the
// edge's form), turned into minor units where matching needs them.
import { ASSETS, parseAmount, type AssetCode } from '../money.js';
import type { PolicyFromEnv } from '../policy-env.js';

export type DateBasis = 'booked' | 'value';

export interface ReconciliationPolicy {
  /** A line and a movement whose reference agrees may differ by at most this much (per asset). */
  tolerance: Partial<Record<AssetCode, string>>;
  /** Booking (or value) date of the line vs the movement's effective day: ± this many days. */
  dateWindowDays: number;
  dateBasis: DateBasis;
  oneToMany: boolean;
  manyToOne: boolean;
  /** A group (one-to-many, many-to-one) has at most this many members. */
  maxGroupSize: number;
  /** Service level of a break task (its due date). */
  breakDueMs: number;
}

export const DEFAULT_RECONCILIATION_POLICY: ReconciliationPolicy = {
  tolerance: { EUR: '0.05', USD: '0.05', EUA: '0', CEA: '0' },
  dateWindowDays: 3,
  dateBasis: 'booked',
  oneToMany: true,
  manyToOne: true,
  maxGroupSize: 50,
  breakDueMs: 2 * 24 * 60 * 60 * 1000,
};

export function reconciliationPolicy(overrides: Partial<ReconciliationPolicy> = {}): ReconciliationPolicy {
  return {
    ...DEFAULT_RECONCILIATION_POLICY,
    ...overrides,
    tolerance: { ...DEFAULT_RECONCILIATION_POLICY.tolerance, ...overrides.tolerance },
  };
}

export function checkReconciliationPolicy(policy: ReconciliationPolicy): string[] {
  const problems: string[] = [];
  if (!(
    Number.isSafeInteger(policy.dateWindowDays) &&
    policy.dateWindowDays >= 0 &&
    policy.dateWindowDays <= 31
  ))
    problems.push('dateWindowDays must be a whole number from 0 to 31');
  if (policy.dateBasis !== 'booked' && policy.dateBasis !== 'value')
    problems.push('dateBasis must be booked or value');
  if (!(Number.isSafeInteger(policy.maxGroupSize) && policy.maxGroupSize >= 2 && policy.maxGroupSize <= 1000))
    problems.push('maxGroupSize must be a whole number from 2 to 1000');
  if (!(Number.isSafeInteger(policy.breakDueMs) && policy.breakDueMs > 0))
    problems.push('breakDueMs must be a positive whole number of milliseconds');
  for (const [asset, amount] of Object.entries(policy.tolerance)) {
    if (!(asset in ASSETS)) problems.push(`tolerance.${asset}: unknown asset`);
    else {
      try {
        parseAmount(asset as AssetCode, amount ?? '', { allowZero: true });
      } catch {
        problems.push(`tolerance.${asset} must be a decimal amount`);
      }
    }
  }
  return problems;
}

/** How the policy is read from RECONCILIATION_POLICY_JSON (the API's readers and the worker's Schedule). */
export const RECONCILIATION_POLICY_ENV: PolicyFromEnv<ReconciliationPolicy> = {
  variable: 'RECONCILIATION_POLICY_JSON',
  withDefaults: reconciliationPolicy,
  check: checkReconciliationPolicy,
};

/** The tolerance of `asset` in minor units (0 when the policy names none). */
export function toleranceMinor(policy: ReconciliationPolicy, asset: AssetCode): bigint {
  const amount = policy.tolerance[asset];
  return amount === undefined ? 0n : parseAmount(asset, amount, { allowZero: true });
}
