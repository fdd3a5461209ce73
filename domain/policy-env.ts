// A policy's first defaults from the environment: the domain defaults overridden by a JSON object in
// one variable (DEPOSIT_POLICY_JSON, ...). One reading for the API's policy readers
// (api/services/policy-from-env.ts) and the worker's Schedules (activities/policy-schedule.ts), so
// both take the same text the same way. Pure: the environment comes in as a record.

/** How a lifecycle's policy is read from its variable and completed over its defaults. */
export interface PolicyFromEnv<P> {
  /** The environment variable holding the overrides, e.g. `DEPOSIT_POLICY_JSON`. */
  variable: string;
  /** The domain defaults with `overrides` applied (e.g. domain/deposit.ts depositPolicy). */
  withDefaults: (overrides: Partial<P>) => P;
  /** Every reason the policy is not usable, in words; empty when it is (e.g. checkDepositPolicy). */
  check: (policy: P) => string[];
}

/** `DEPOSIT_POLICY_JSON` → `deposit`: the name its versions are stored under. */
export function policyNameOf(variable: string): string {
  return variable.replace(/_POLICY_JSON$/, '').toLowerCase();
}

/** The policy from `spec`'s variable over the defaults; throws, naming the variable, on an unusable one. */
export function policyFromJsonEnv<P>(
  spec: PolicyFromEnv<P>,
  env: Readonly<Record<string, string | undefined>>,
): P {
  const raw = env[spec.variable]?.trim();
  let overrides: unknown = {};
  if (raw) {
    try {
      overrides = JSON.parse(raw);
    } catch {
      throw new Error(`${spec.variable} is not valid JSON`);
    }
  }
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides))
    throw new Error(`${spec.variable} must be a JSON object`);
  const policy = spec.withDefaults(overrides as Partial<P>);
  const problems = spec.check(policy);
  if (problems.length > 0) throw new Error(`${spec.variable} is not usable: ${problems.join('; ')}`);
  return policy;
}
