import { describe, expect, it } from 'vitest';
import { internalDifferences, type InternalInput } from './internal.js';

const sides = (debits: bigint, credits: bigint, pendingDebits: bigint, pendingCredits: bigint) => ({
  debitsMinor: debits,
  creditsMinor: credits,
  pendingDebitsMinor: pendingDebits,
  pendingCreditsMinor: pendingCredits,
});

const balanced: InternalInput = {
  trialBalance: [{ asset: 'EUR', ...sides(500n, 500n, 20n, 20n) }],
  accountMismatches: [],
  accounts: [
    { code: 'bank:omnibus:EUR', asset: 'EUR', netDebitMinor: 1000n },
    { code: 'client:a:EUR:available', asset: 'EUR', netDebitMinor: -900n },
    { code: 'fees:revenue:EUR', asset: 'EUR', netDebitMinor: -100n },
    { code: 'registry:omnibus:EUA', asset: 'EUA', netDebitMinor: 7n },
    { code: 'client:a:EUA:available', asset: 'EUA', netDebitMinor: -7n },
  ],
  registryPositions: [{ asset: 'EUA', quantityMinor: 7n }],
  registryAssets: ['EUA', 'CEA'],
};

describe('internal reconciliation checks', () => {
  it('finds nothing in balanced books that agree with the registry', () => {
    const outcome = internalDifferences(balanced);
    expect(outcome.differences).toEqual([]);
    expect(outcome.checked).toEqual({
      trial_balance: 1,
      account_totals: 5,
      omnibus_vs_clients: 2,
      registry_positions: 2,
    });
  });

  it('names each kind of difference with its amount', () => {
    const outcome = internalDifferences({
      ...balanced,
      trialBalance: [{ asset: 'EUR', ...sides(510n, 500n, 20n, 24n) }],
      accountMismatches: [
        {
          code: 'client:a:EUR:available',
          asset: 'EUR',
          total: 'credits_posted',
          recordedMinor: 950n,
          linesMinor: 900n,
        },
      ],
      accounts: [
        ...balanced.accounts.filter((a) => a.code !== 'bank:omnibus:EUR'),
        { code: 'bank:omnibus:EUR', asset: 'EUR', netDebitMinor: 1030n },
      ],
      registryPositions: [{ asset: 'EUA', quantityMinor: 5n }],
    });
    expect(outcome.differences.map((d) => [d.check, d.asset, d.differenceMinor])).toEqual([
      ['trial_balance', 'EUR', 10n],
      ['trial_balance', 'EUR', -4n],
      ['account_totals', 'EUR', 50n],
      ['omnibus_vs_clients', 'EUR', 30n],
      ['registry_positions', 'EUA', -2n],
    ]);
  });
});
