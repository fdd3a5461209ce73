import { describe, expect, it } from 'vitest';
import { checkPolicyDecision, moneyMovingChanges, policyDiff } from './policies.js';

describe('policyDiff', () => {
  it('lists changed, added and removed leaves by path, nested objects walked', () => {
    const before = {
      shortHoldMs: 1000,
      fourEyesThreshold: { EUR: '10000.00', USD: '10000.00' },
      list: [1, 2],
    };
    const after = {
      shortHoldMs: 2000,
      fourEyesThreshold: { EUR: '5000.00', USD: '10000.00' },
      list: [1, 2],
      extra: true,
    };
    expect(policyDiff(before, after)).toEqual([
      { path: 'extra', before: undefined, after: true },
      { path: 'fourEyesThreshold.EUR', before: '10000.00', after: '5000.00' },
      { path: 'shortHoldMs', before: 1000, after: 2000 },
    ]);
    expect(policyDiff(before, structuredClone(before))).toEqual([]);
  });

  it('counts an absent object as an empty one (a version stored before maxAmount existed)', () => {
    expect(policyDiff({ shortHoldMs: 1 }, { shortHoldMs: 1, maxAmount: {} })).toEqual([]);
    const changes = policyDiff({ shortHoldMs: 1 }, { shortHoldMs: 1, maxAmount: { EUR: '100.00' } });
    expect(changes).toEqual([{ path: 'maxAmount.EUR', before: undefined, after: '100.00' }]);
    expect(moneyMovingChanges('deposit', changes)).toHaveLength(1);
    expect(policyDiff({ maxAmount: { EUR: '1.00' } }, {})).toEqual([
      { path: 'maxAmount.EUR', before: '1.00', after: undefined },
    ]);
  });
});

describe('moneyMovingChanges', () => {
  it('picks changes under the policy’s money-moving prefixes only', () => {
    const changes = policyDiff(
      { approvalSlaMs: 1, fourEyesThreshold: { EUR: '1.00' } },
      { approvalSlaMs: 2, fourEyesThreshold: { EUR: '2.00' } },
    );
    expect(moneyMovingChanges('withdrawal', changes).map((c) => c.path)).toEqual(['fourEyesThreshold.EUR']);
    expect(moneyMovingChanges('kyc', changes)).toEqual([]);
    expect(
      moneyMovingChanges('trading', policyDiff({ defaultPriceBandPct: 10 }, { defaultPriceBandPct: 5 })),
    ).toHaveLength(1);
    // A prefix is a whole field name: "amlX" is not under "aml".
    expect(moneyMovingChanges('deposit', policyDiff({ amlX: 1 }, { amlX: 2 }))).toEqual([]);
    expect(moneyMovingChanges('deposit', policyDiff({ aml: { a: 1 } }, { aml: { a: 2 } }))).toHaveLength(1);
  });
});

describe('checkPolicyDecision', () => {
  const base = {
    requesterId: 'a',
    deciderId: 'b',
    status: 'PENDING' as const,
    baseVersion: 3,
    currentVersion: 3,
  };
  it('lets a second admin approve a change made on the current version', () => {
    expect(checkPolicyDecision({ ...base, decision: 'approve' })).toBeNull();
  });
  it('refuses the requester approving their own change, but lets them withdraw it', () => {
    expect(checkPolicyDecision({ ...base, deciderId: 'a', decision: 'approve' })?.code).toBe('forbidden');
    expect(checkPolicyDecision({ ...base, deciderId: 'a', decision: 'reject' })).toBeNull();
  });
  it('refuses a decided change and an approval over a newer version', () => {
    expect(checkPolicyDecision({ ...base, status: 'APPROVED', decision: 'reject' })?.code).toBe(
      'invalid_state',
    );
    expect(checkPolicyDecision({ ...base, currentVersion: 4, decision: 'approve' })?.code).toBe(
      'invalid_state',
    );
  });
});
