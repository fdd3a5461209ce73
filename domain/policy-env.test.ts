import { describe, expect, it } from 'vitest';
import { policyFromJsonEnv, policyNameOf, type PolicyFromEnv } from './policy-env.js';

interface Limits {
  max: number;
  name: string;
}

const LIMITS: PolicyFromEnv<Limits> = {
  variable: 'LIMITS_POLICY_JSON',
  withDefaults: (overrides) => ({ max: 10, name: 'default', ...overrides }),
  check: (policy) => (policy.max > 0 ? [] : ['max must be positive']),
};

describe('a policy from its environment variable (domain/policy-env.ts)', () => {
  it('is the defaults without the variable, and the variable over them with it', () => {
    expect(policyFromJsonEnv(LIMITS, {})).toEqual({ max: 10, name: 'default' });
    expect(policyFromJsonEnv(LIMITS, { LIMITS_POLICY_JSON: '  ' })).toEqual({ max: 10, name: 'default' });
    expect(policyFromJsonEnv(LIMITS, { LIMITS_POLICY_JSON: '{"max": 3}' })).toEqual({
      max: 3,
      name: 'default',
    });
  });

  it('names the variable when its text is unusable', () => {
    expect(() => policyFromJsonEnv(LIMITS, { LIMITS_POLICY_JSON: '{max' })).toThrow(
      'LIMITS_POLICY_JSON is not valid JSON',
    );
    expect(() => policyFromJsonEnv(LIMITS, { LIMITS_POLICY_JSON: '[1]' })).toThrow(
      'LIMITS_POLICY_JSON must be a JSON object',
    );
    expect(() => policyFromJsonEnv(LIMITS, { LIMITS_POLICY_JSON: 'null' })).toThrow(
      'LIMITS_POLICY_JSON must be a JSON object',
    );
    expect(() => policyFromJsonEnv(LIMITS, { LIMITS_POLICY_JSON: '{"max": 0}' })).toThrow(
      'LIMITS_POLICY_JSON is not usable: max must be positive',
    );
  });

  it('stores versions under the name the variable gives', () => {
    expect(policyNameOf('DEPOSIT_POLICY_JSON')).toBe('deposit');
    expect(policyNameOf('CERTIFICATE_TRANSFER_POLICY_JSON')).toBe('certificate_transfer');
  });
});
