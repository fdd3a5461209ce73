// AML screening of a received deposit, as pure rules: the facts go in (amounts, references, the
// client's recent deposits, the sending bank's country and its rating from the AML data partner),
// a score with human-readable reasons and a decision come out. The activity gathers the facts; the
// workflow acts on the decision. Thresholds live in the policy so they are tuned without code.
// The reasons are for AML staff only: never show them to the client (no tipping-off).

import { ASSETS, formatAmount, parseAmount, type AssetCode } from './money.js';

export type AmlDecision = 'short_hold' | 'long_hold' | 'review';

/** The AML data partner's rating of a country. */
export type CountryRating = 'standard' | 'elevated' | 'high';

export interface AmlThresholds {
  /** A single deposit at or above this is large (decimal string in asset units). */
  large: string;
  /** A single deposit at or above this always goes to review. */
  review: string;
  /** The client's deposits of this asset over the velocity window, this one included, at or above this. */
  velocitySum: string;
}

export interface AmlPolicy {
  /** Per asset; an asset without thresholds skips the amount and velocity-sum rules. */
  thresholds: Partial<Record<AssetCode, AmlThresholds>>;
  /** Received may differ from announced by this many basis points without comment (100 = 1 %). */
  mismatchToleranceBps: number;
  /** A difference above this many basis points is a major mismatch. */
  majorMismatchBps: number;
  /** This many OTHER deposits in the velocity window (or more) is high velocity. */
  velocityMaxCount: number;
  /** Length of the velocity window the activity looks back over. */
  velocityWindowMs: number;
  /** ISO 3166-1 alpha-2 codes always treated as high risk, whatever the data partner says. */
  highRiskCountries: readonly string[];
  /** A score at or above this means a long hold... */
  longHoldScore: number;
  /** ...and at or above this, a review by an AML officer. */
  reviewScore: number;
}

/** Points each rule adds. A score is capped at 100. */
export const AML_WEIGHTS = {
  amountLarge: 25,
  amountReview: 60,
  mismatchMinor: 15,
  mismatchMajor: 35,
  referenceMissing: 20,
  referenceClientOnly: 10,
  referenceMismatch: 25,
  velocityCount: 20,
  velocitySum: 25,
  countryHigh: 60,
  countryElevated: 20,
  countryUnknown: 10,
} as const;

export type AmlRule = keyof typeof AML_WEIGHTS;

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_AML_POLICY: AmlPolicy = {
  thresholds: {
    EUR: { large: '10000.00', review: '100000.00', velocitySum: '50000.00' },
    USD: { large: '10000.00', review: '100000.00', velocitySum: '50000.00' },
  },
  mismatchToleranceBps: 100,
  majorMismatchBps: 2000,
  velocityMaxCount: 5,
  velocityWindowMs: 30 * DAY_MS,
  // FATF "high-risk jurisdictions subject to a call for action"; the data partner adds its own view.
  highRiskCountries: ['KP', 'IR', 'MM'],
  longHoldScore: 25,
  reviewScore: 60,
};

export interface AmlInput {
  asset: AssetCode;
  /** Decimal strings in asset units, as everywhere outside the ledger. */
  announcedAmount: string;
  receivedAmount: string;
  /** The reference we told the client to put on the wire (depositReference). */
  expectedReference: string;
  /** The client's own reference given when announcing, if any. */
  announcedReference?: string | null;
  /** The reference the bank statement shows. */
  receivedReference?: string | null;
  /** The client's OTHER received deposits of this asset in the velocity window. */
  recent: { count: number; sum: string };
  /** ISO 3166-1 alpha-2 code of the sending bank, when known. */
  senderCountry?: string | null;
  /** The data partner's rating of senderCountry, when it was asked. */
  countryRating?: CountryRating | null;
}

export interface AmlResult {
  score: number;
  decision: AmlDecision;
  /** One sentence per rule that fired, in rule order. */
  reasons: string[];
  /** The rules that fired (stable identifiers for reports and tests). */
  rules: AmlRule[];
}

/** Upper-case alphanumerics only, with Crockford's look-alikes folded (O→0, I/L→1), for comparing references. */
export function normalizeReference(text: string): string {
  return text
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

export function screen(input: AmlInput, policy: AmlPolicy = DEFAULT_AML_POLICY): AmlResult {
  const { asset } = input;
  const amount = (minor: bigint) => `${formatAmount(asset, minor)} ${asset}`;
  const hits: { rule: AmlRule; reason: string }[] = [];
  const hit = (rule: AmlRule, reason: string) => hits.push({ rule, reason });

  const received = parseAmount(asset, input.receivedAmount, { allowZero: true });
  const announced = parseAmount(asset, input.announcedAmount, { allowZero: true });
  const thresholds = policy.thresholds[asset];

  // 1. Size of this deposit.
  if (thresholds) {
    const review = parseAmount(asset, thresholds.review);
    const large = parseAmount(asset, thresholds.large);
    if (received >= review) {
      hit(
        'amountReview',
        `Received ${amount(received)} is at or above the review threshold of ${amount(review)}.`,
      );
    } else if (received >= large) {
      hit(
        'amountLarge',
        `Received ${amount(received)} is at or above the large-deposit threshold of ${amount(large)}.`,
      );
    }
  }

  // 2. Announced versus received.
  if (received !== announced) {
    const difference = received > announced ? received - announced : announced - received;
    const bps = announced === 0n ? Number.POSITIVE_INFINITY : Number((difference * 10_000n) / announced);
    const direction = received > announced ? 'more' : 'less';
    const sentence = `Received ${amount(received)}, ${amount(difference)} ${direction} than the announced ${amount(announced)}`;
    if (bps > policy.majorMismatchBps) {
      hit('mismatchMajor', `${sentence} (more than ${policy.majorMismatchBps / 100} % off).`);
    } else if (bps > policy.mismatchToleranceBps) {
      hit('mismatchMinor', `${sentence} (more than ${policy.mismatchToleranceBps / 100} % off).`);
    }
  }

  // 3. Reference on the wire.
  const receivedReference = normalizeReference(input.receivedReference ?? '');
  const expected = normalizeReference(input.expectedReference);
  const clientReference = normalizeReference(input.announcedReference ?? '');
  if (receivedReference === '') {
    hit('referenceMissing', `The wire arrived without a reference; ${input.expectedReference} was expected.`);
  } else if (!receivedReference.includes(expected)) {
    if (clientReference !== '' && receivedReference.includes(clientReference)) {
      hit(
        'referenceClientOnly',
        `The wire carries the client's own reference "${input.announcedReference}" but not ${input.expectedReference}.`,
      );
    } else {
      hit(
        'referenceMismatch',
        `The wire's reference "${input.receivedReference}" matches neither ${input.expectedReference} nor the announced reference.`,
      );
    }
  }

  // 4. Velocity: the client's other deposits in the window.
  const windowDays = Math.round(policy.velocityWindowMs / DAY_MS);
  if (input.recent.count >= policy.velocityMaxCount) {
    hit(
      'velocityCount',
      `The client made ${input.recent.count} other deposits in the last ${windowDays} days (limit ${policy.velocityMaxCount}).`,
    );
  }
  if (thresholds) {
    const total = parseAmount(asset, input.recent.sum, { allowZero: true }) + received;
    const limit = parseAmount(asset, thresholds.velocitySum);
    if (total >= limit) {
      hit(
        'velocitySum',
        `With this one the client deposited ${amount(total)} in the last ${windowDays} days, at or above ${amount(limit)}.`,
      );
    }
  }

  // 5. Where the money comes from.
  const country = input.senderCountry?.trim().toUpperCase() || null;
  if (country === null) {
    hit('countryUnknown', "The sending bank's country is unknown.");
  } else if (policy.highRiskCountries.includes(country) || input.countryRating === 'high') {
    hit('countryHigh', `The sending bank is in ${country}, a high-risk jurisdiction.`);
  } else if (input.countryRating === 'elevated') {
    hit('countryElevated', `The sending bank is in ${country}, rated elevated risk by the AML data partner.`);
  }

  const score = Math.min(
    100,
    hits.reduce((sum, h) => sum + AML_WEIGHTS[h.rule], 0),
  );
  const decision: AmlDecision =
    score >= policy.reviewScore ? 'review' : score >= policy.longHoldScore ? 'long_hold' : 'short_hold';
  return { score, decision, reasons: hits.map((h) => h.reason), rules: hits.map((h) => h.rule) };
}

/** Whether `policy` is usable: every threshold parses for its asset and the cut-offs are ordered. */
export function checkAmlPolicy(policy: AmlPolicy): string[] {
  const problems: string[] = [];
  for (const [asset, t] of Object.entries(policy.thresholds) as [AssetCode, AmlThresholds | undefined][]) {
    if (!t || !Object.hasOwn(ASSETS, asset)) continue;
    for (const key of ['large', 'review', 'velocitySum'] as const) {
      try {
        parseAmount(asset, t[key]);
      } catch (error) {
        problems.push(`thresholds.${asset}.${key}: ${(error as Error).message}`);
      }
    }
  }
  if (!(policy.longHoldScore > 0 && policy.longHoldScore <= policy.reviewScore)) {
    problems.push('longHoldScore must be positive and at most reviewScore');
  }
  if (!(policy.mismatchToleranceBps >= 0 && policy.mismatchToleranceBps <= policy.majorMismatchBps)) {
    problems.push('mismatchToleranceBps must be between 0 and majorMismatchBps');
  }
  if (!(policy.velocityMaxCount >= 1)) problems.push('velocityMaxCount must be at least 1');
  if (!(policy.velocityWindowMs > 0)) problems.push('velocityWindowMs must be positive');
  return problems;
}
