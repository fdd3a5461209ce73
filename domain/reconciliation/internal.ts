// The internal reconciliation: the ledger checked against itself and against the registries, as a
// pure function over balances the activity reads. Four checks, each difference one break:
//
//   trial_balance        per asset, posted debits equal posted credits
//   account_totals       every account's running totals equal the sum of its lines
//   omnibus_vs_clients   per asset, what the omnibus account holds (plus the venue's clearing
//                        position) equals what we owe: client liabilities plus our own fees and
//                        suspense; anything else holding the asset is a difference
//   registry_positions   per certificate, the registry's position of our omnibus account equals the
//                        ledger's registry omnibus account
//
// Amounts are minor units; a difference is "the side checked less the side it is checked against".
import type { TransitionTable } from '../lifecycle.js';

export const INTERNAL_RECONCILIATION_TYPE = 'internalReconciliation';
export const INTERNAL_RECONCILIATION_SCHEDULE_ID = 'internal-reconciliation-nightly';
/** The Schedule's workflow id prefix (Temporal appends the scheduled time). */
export const SCHEDULED_INTERNAL_RECONCILIATION_PREFIX = 'internal-reconciliation';

export const INTERNAL_STATUSES = ['RUNNING', 'BALANCED', 'DIFFERENCES'] as const;
export type InternalStatus = (typeof INTERNAL_STATUSES)[number];
export const INTERNAL_TRANSITIONS: TransitionTable<InternalStatus, 'balanced' | 'differences'> = {
  RUNNING: { balanced: 'BALANCED', differences: 'DIFFERENCES' },
  BALANCED: {},
  DIFFERENCES: {},
};

export const INTERNAL_CHECKS = [
  'trial_balance',
  'account_totals',
  'omnibus_vs_clients',
  'registry_positions',
] as const;
export type InternalCheck = (typeof INTERNAL_CHECKS)[number];

export interface AccountBalance {
  code: string;
  asset: string;
  /** debits_posted − credits_posted. */
  netDebitMinor: bigint;
}

export interface InternalInput {
  trialBalance: { asset: string; debitsMinor: bigint; creditsMinor: bigint }[];
  /** Accounts whose running totals differ from their lines. */
  mismatchedAccounts: string[];
  accounts: AccountBalance[];
  /** Our omnibus positions at the registries, per asset (summed over registries). */
  registryPositions: { asset: string; quantityMinor: bigint }[];
  /** The assets held at a registry (certificates). */
  registryAssets: string[];
}

export interface InternalDifference {
  check: InternalCheck;
  asset: string;
  account: string | null;
  differenceMinor: bigint;
  detail: Record<string, string>;
}

export interface InternalOutcome {
  checked: Record<InternalCheck, number>;
  differences: InternalDifference[];
}

const ownFunds = (code: string) => code.startsWith('fees:revenue:') || code.startsWith('suspense:');
const omnibusOf = (code: string) => /^[a-z]+:omnibus:/.test(code);

export function internalDifferences(input: InternalInput): InternalOutcome {
  const differences: InternalDifference[] = [];
  for (const row of input.trialBalance) {
    if (row.debitsMinor !== row.creditsMinor)
      differences.push({
        check: 'trial_balance',
        asset: row.asset,
        account: null,
        differenceMinor: row.debitsMinor - row.creditsMinor,
        detail: { debits: row.debitsMinor.toString(), credits: row.creditsMinor.toString() },
      });
  }
  const assetOf = new Map(input.accounts.map((a) => [a.code, a.asset]));
  for (const code of input.mismatchedAccounts)
    differences.push({
      check: 'account_totals',
      asset: assetOf.get(code) ?? '',
      account: code,
      differenceMinor: 0n,
      detail: { problem: 'running totals differ from the sum of the lines' },
    });

  const perAsset = new Map<string, { held: bigint; owed: bigint; other: bigint; omnibus: bigint }>();
  for (const a of input.accounts) {
    const sums = perAsset.get(a.asset) ?? { held: 0n, owed: 0n, other: 0n, omnibus: 0n };
    if (omnibusOf(a.code)) {
      sums.held += a.netDebitMinor;
      sums.omnibus += a.netDebitMinor;
    } else if (a.code.startsWith('venue:clearing:')) sums.held += a.netDebitMinor;
    else if (a.code.startsWith('client:') || ownFunds(a.code)) sums.owed -= a.netDebitMinor;
    else sums.other += a.netDebitMinor;
    perAsset.set(a.asset, sums);
  }
  for (const [asset, s] of [...perAsset.entries()].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (s.held !== s.owed)
      differences.push({
        check: 'omnibus_vs_clients',
        asset,
        account: null,
        differenceMinor: s.held - s.owed,
        detail: { held: s.held.toString(), owed: s.owed.toString(), unexplained: s.other.toString() },
      });
  }

  const positions = new Map(input.registryPositions.map((p) => [p.asset, p.quantityMinor]));
  for (const asset of input.registryAssets) {
    const ledger = perAsset.get(asset)?.omnibus ?? 0n;
    const registry = positions.get(asset) ?? 0n;
    if (ledger !== registry)
      differences.push({
        check: 'registry_positions',
        asset,
        account: `registry:omnibus:${asset}`,
        differenceMinor: registry - ledger,
        detail: { registry: registry.toString(), ledger: ledger.toString() },
      });
  }
  return {
    checked: {
      trial_balance: input.trialBalance.length,
      account_totals: input.accounts.length,
      omnibus_vs_clients: perAsset.size,
      registry_positions: input.registryAssets.length,
    },
    differences,
  };
}
