// The policy a lifecycle's new workflows start with: the domain defaults, overridden by a JSON object
// in one environment variable (DEPOSIT_POLICY_JSON, WITHDRAWAL_POLICY_JSON, KYC_POLICY_JSON). Read
// on every start, so a changed environment takes effect for the next workflow; parsed again only
// when the variable's text changes. A policy that is not usable throws (a configuration error, 500).

export interface PolicyFromEnv<P> {
  /** The environment variable holding the overrides, e.g. `DEPOSIT_POLICY_JSON`. */
  variable: string;
  /** The domain defaults with `overrides` applied (e.g. domain/deposit.ts depositPolicy). */
  withDefaults: (overrides: Partial<P>) => P;
  /** Every reason the policy is not usable, in words; empty when it is (e.g. checkDepositPolicy). */
  check: (policy: P) => string[];
}

/** A reader of the policy `spec` describes: `(env = process.env) => policy`. */
export function policyFromEnv<P>(spec: PolicyFromEnv<P>): (env?: NodeJS.ProcessEnv) => P {
  const { variable, withDefaults, check } = spec;
  let cached: { raw: string | undefined; policy: P } | undefined;
  return (env = process.env) => {
    const raw = env[variable]?.trim() || undefined;
    if (cached && cached.raw === raw) return cached.policy;
    let overrides: Partial<P> = {};
    if (raw) {
      try {
        overrides = JSON.parse(raw) as Partial<P>;
      } catch {
        throw new Error(`${variable} is not valid JSON`);
      }
      if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
        throw new Error(`${variable} must be a JSON object`);
      }
    }
    const policy = withDefaults(overrides);
    const problems = check(policy);
    if (problems.length > 0) throw new Error(`${variable} is not usable: ${problems.join('; ')}`);
    cached = { raw, policy };
    return policy;
  };
}
