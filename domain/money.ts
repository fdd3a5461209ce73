// Assets and amounts. Inside the system every amount is an integer count of minor units (bigint);
// at the edge it is a decimal string with at most the asset's scale. No floating point anywhere.

export const ASSETS = {
  EUR: { code: 'EUR', scale: 2, kind: 'cash' },
  USD: { code: 'USD', scale: 2, kind: 'cash' },
  EUA: { code: 'EUA', scale: 0, kind: 'certificate' },
  CEA: { code: 'CEA', scale: 0, kind: 'certificate' },
  // A listed security (the KraneShares Global Carbon ETF), traded through the paper broker and held
  // with its custodian rather than a registry.
  KRBN: { code: 'KRBN', scale: 0, kind: 'security' },
} as const;

export type AssetCode = keyof typeof ASSETS;
export const ASSET_CODES = Object.keys(ASSETS) as AssetCode[];
export type AssetKind = (typeof ASSETS)[AssetCode]['kind'];
export const CASH_ASSETS = ASSET_CODES.filter((code) => ASSETS[code].kind === 'cash');
/** What can be bought and sold: certificates (allowances) and listed securities. */
export const TRADABLE_ASSETS = ASSET_CODES.filter((code) => ASSETS[code].kind !== 'cash');

export function isAssetCode(value: unknown): value is AssetCode {
  return typeof value === 'string' && Object.hasOwn(ASSETS, value);
}

export function isCashAsset(value: unknown): value is AssetCode {
  return isAssetCode(value) && ASSETS[value].kind === 'cash';
}

/** An allowance certificate or a listed security: the asset side of a trade, never cash. */
export function isTradableAsset(value: unknown): value is AssetCode {
  return isAssetCode(value) && ASSETS[value].kind !== 'cash';
}

export class AmountFormatError extends Error {}

/** Largest amount accepted at the edge: keeps every total far inside PostgreSQL's bigint. */
export const MAX_MINOR_UNITS = 10n ** 15n;

/**
 * Largest amount a request may name, in whole units of any asset: 10^9 (a billion euros, dollars or
 * allowances) is far beyond any single deposit, withdrawal or order of this platform, and a typo
 * ("99999999999.00") is refused at the edge (api/validate.ts parseAmountField, 400) instead of
 * reaching a workflow. Deliberately not enforced by parseAmount, which also reads stored amounts
 * and sums (AML velocity), bounded only by MAX_MINOR_UNITS.
 */
export const EDGE_MAX_UNITS = 10n ** 9n;

/** EDGE_MAX_UNITS of `asset` in minor units (10^11 for EUR, 10^9 for EUA). */
export function maxEdgeAmountMinor(asset: AssetCode): bigint {
  return EDGE_MAX_UNITS * 10n ** BigInt(ASSETS[asset].scale);
}

/**
 * Parses a positive decimal string ("1250.50", "300") into minor units of `asset`.
 * Rejects signs, exponents, blanks, excess decimals and zero; `allowZero` for received amounts of 0.
 */
export function parseAmount(asset: AssetCode, text: string, options: { allowZero?: boolean } = {}): bigint {
  const { scale } = ASSETS[asset];
  const pattern = scale === 0 ? /^(\d+)$/ : new RegExp(`^(\\d+)(?:\\.(\\d{1,${scale}}))?$`);
  const match = pattern.exec(text);
  if (!match) {
    throw new AmountFormatError(
      scale === 0
        ? `${asset} amounts are whole numbers like "300"`
        : `${asset} amounts are decimal strings with at most ${scale} decimals, like "1250.50"`,
    );
  }
  const whole = BigInt(match[1]!);
  const fraction = BigInt((match[2] ?? '').padEnd(scale, '0') || '0');
  const minor = whole * 10n ** BigInt(scale) + fraction;
  if (minor === 0n && !options.allowZero) throw new AmountFormatError('amount must be greater than zero');
  if (minor > MAX_MINOR_UNITS) throw new AmountFormatError('amount is too large');
  return minor;
}

/** Formats minor units as the edge's decimal string ("1250.50"; negative values keep their sign). */
export function formatAmount(asset: AssetCode, minor: bigint): string {
  const { scale } = ASSETS[asset];
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  if (scale === 0) return `${negative ? '-' : ''}${abs}`;
  const unit = 10n ** BigInt(scale);
  const fraction = (abs % unit).toString().padStart(scale, '0');
  return `${negative ? '-' : ''}${abs / unit}.${fraction}`;
}
