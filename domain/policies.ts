// Versioned policies as pure rules: which policies exist, which of their fields move money (a
// change to one of those needs a second admin's approval), and the field-by-field difference of two
// versions that the policy page shows and the audit log records. The documents themselves are each
// lifecycle's own policy type (domain/deposit.ts DepositPolicy, ...), checked by its own check.

export const POLICY_NAMES = [
  'deposit',
  'withdrawal',
  'kyc',
  'trading',
  'settlement',
  'reconciliation',
  'auth',
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export function isPolicyName(value: unknown): value is PolicyName {
  return typeof value === 'string' && (POLICY_NAMES as readonly string[]).includes(value);
}

/**
 * Field paths (dot-separated prefixes) whose change moves the line of what money may go where
 * without a second person: four-eyes thresholds, maximum amounts, AML score limits, tolerances.
 * A change under any of these prefixes waits for a second admin; any other field applies at once.
 */
// Only fields the policy documents have (a name of a field that does not exist protects nothing):
// the per-asset maxAmount of the deposit, withdrawal and trading policies (domain/amount-limits.ts).
export const MONEY_MOVING_FIELDS: Record<PolicyName, readonly string[]> = {
  deposit: ['aml', 'maxAmount'],
  withdrawal: ['fourEyesThreshold', 'maxAmount'],
  kyc: [],
  trading: ['maxOrderQuantity', 'maxOrderNotional', 'maxAmount', 'defaultPriceBandPct'],
  settlement: [],
  reconciliation: ['tolerance'],
  auth: [],
};

/** One changed leaf of a policy document: its path and both values (undefined = absent). */
export interface PolicyFieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Upper bound on nesting walked by policyDiff (policies are shallow; this guards bad input). */
const DIFF_DEPTH_MAX = 16;

/**
 * Every leaf that differs between `before` and `after`, sorted by path. Objects are walked key by
 * key; arrays and scalars compare as whole values (by their JSON text). An absent object counts as
 * an empty one: a version stored before a field such as maxAmount existed and the same policy with
 * `maxAmount: {}` do not differ, and `maxAmount.EUR` set on it is one change of that leaf.
 */
export function policyDiff(before: unknown, after: unknown): PolicyFieldChange[] {
  const changes: PolicyFieldChange[] = [];
  const walk = (a: unknown, b: unknown, path: string, depth: number) => {
    if (a === undefined && isPlainObject(b)) a = {};
    if (b === undefined && isPlainObject(a)) b = {};
    if (depth < DIFF_DEPTH_MAX && isPlainObject(a) && isPlainObject(b)) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const key of keys) walk(a[key], b[key], path ? `${path}.${key}` : key, depth + 1);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) changes.push({ path, before: a, after: b });
  };
  walk(before, after, '', 0);
  return changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** Whether `path` lies under one of the prefixes (the prefix itself or `prefix.`…). */
function under(path: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}.`));
}

/** The changes among `changes` that need a second admin for policy `name`. */
export function moneyMovingChanges(
  name: PolicyName,
  changes: readonly PolicyFieldChange[],
): PolicyFieldChange[] {
  return changes.filter((change) => under(change.path, MONEY_MOVING_FIELDS[name]));
}

/** Statuses of a change waiting for a second admin. */
export const POLICY_CHANGE_STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'SUPERSEDED'] as const;
export type PolicyChangeStatus = (typeof POLICY_CHANGE_STATUSES)[number];

/**
 * Whether `deciderId` may approve or reject a pending change requested by `requesterId` on a policy
 * now at `currentVersion` (the change was made against `baseVersion`). Null when allowed.
 */
export function checkPolicyDecision(input: {
  requesterId: string;
  deciderId: string;
  status: PolicyChangeStatus;
  baseVersion: number;
  currentVersion: number;
  decision: 'approve' | 'reject';
}): { code: 'forbidden' | 'invalid_state'; message: string } | null {
  if (input.status !== 'PENDING')
    return { code: 'invalid_state', message: `the change is ${input.status.toLowerCase()} already` };
  if (input.decision === 'approve' && input.requesterId === input.deciderId)
    return { code: 'forbidden', message: 'a second administrator must approve this change' };
  if (input.decision === 'approve' && input.baseVersion !== input.currentVersion)
    return {
      code: 'invalid_state',
      message: `the policy changed since (version ${input.currentVersion}, the change was made on ${input.baseVersion}); make it again`,
    };
  return null;
}
