// Per-asset maximum amounts of one lifecycle (policy field `maxAmount`: the deposit, withdrawal and
// trading policies): a decimal string per asset in the asset's own scale. An asset without an entry
// has no limit beyond the edge bound (money.ts EDGE_MAX_UNITS), which every request meets anyway.
// Pure rules, shared by the policies' checks, the API's start checks and the workflows' start
// validation, so the limit is read one way everywhere.

import {
  AmountFormatError,
  EDGE_MAX_UNITS,
  formatAmount,
  isAssetCode,
  maxEdgeAmountMinor,
  parseAmount,
  type AssetCode,
} from './money.js';

/** `{ EUR: "250000.00", EUA: "5000" }`; an asset left out is not limited by the policy. */
export type MaxAmounts = Partial<Record<AssetCode, string>>;

/** The limit of one asset broken by a request: the asset and the limit as the edge's decimal. */
export interface AmountLimit {
  asset: AssetCode;
  max: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every problem of a `maxAmount` field, in words (a policy check's style): an object whose keys are
 * among `assets`, each a positive decimal of that asset's scale, at most EDGE_MAX_UNITS. Absent
 * (undefined) is no problem: lifecycles started before the field existed carry policies without it.
 */
export function maxAmountProblems(
  value: unknown,
  assets: readonly AssetCode[],
  field = 'maxAmount',
): string[] {
  if (value === undefined) return [];
  if (!isPlainObject(value)) return [`${field} must be an object of decimal amounts per asset`];
  const problems: string[] = [];
  for (const [key, text] of Object.entries(value)) {
    if (!isAssetCode(key) || !assets.includes(key)) {
      problems.push(`${field}.${key}: not an asset of this policy (${assets.join(', ')})`);
      continue;
    }
    if (typeof text !== 'string') {
      problems.push(`${field}.${key} must be a decimal string`);
      continue;
    }
    try {
      if (parseAmount(key, text) > maxEdgeAmountMinor(key))
        problems.push(`${field}.${key} must be at most ${EDGE_MAX_UNITS} ${key}`);
    } catch (error) {
      if (!(error instanceof AmountFormatError)) throw error;
      problems.push(`${field}.${key}: ${error.message}`);
    }
  }
  return problems;
}

/** The limit of `asset` in minor units, or null when the policy sets none (or predates the field). */
export function maxAmountMinor(maxAmount: MaxAmounts | undefined, asset: AssetCode): bigint | null {
  const text = maxAmount?.[asset];
  return text === undefined ? null : parseAmount(asset, text);
}

/**
 * The limit `amountMinor` of `asset` goes above, or null when it is within it (at the limit is
 * within). The policy was checked when it was saved (maxAmountProblems).
 */
export function amountAboveLimit(
  maxAmount: MaxAmounts | undefined,
  asset: AssetCode,
  amountMinor: bigint,
): AmountLimit | null {
  const max = maxAmountMinor(maxAmount, asset);
  if (max === null || amountMinor <= max) return null;
  return { asset, max: formatAmount(asset, max) };
}

/** amountAboveLimit for a decimal string of `asset` that has been checked already (the edge's amount). */
export function decimalAboveLimit(
  maxAmount: MaxAmounts | undefined,
  asset: AssetCode,
  amount: string,
): AmountLimit | null {
  return amountAboveLimit(maxAmount, asset, parseAmount(asset, amount));
}

/** "1250000.00" → "1,250,000.00": a limit as people read it in a refusal's message. */
export function groupedDecimal(decimal: string): string {
  const [whole = '', fraction] = decimal.split('.');
  let grouped = '';
  for (let end = whole.length; end > 0; end -= 3) {
    const part = whole.slice(Math.max(0, end - 3), end);
    grouped = grouped === '' ? part : `${part},${grouped}`;
  }
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** "The largest deposit is 250,000.00 EUR." — the sentence a refusal for `limit` ends with. */
export function limitSentence(noun: string, limit: AmountLimit): string {
  return `The largest ${noun} is ${groupedDecimal(limit.max)} ${limit.asset}.`;
}

/** A copy of `maxAmount` for a policy's defaults (the object is replaced as a whole, never merged). */
export function copyMaxAmounts(maxAmount: MaxAmounts | undefined): MaxAmounts {
  return { ...(maxAmount ?? {}) };
}
