// Decimal amounts of any ISO 4217 currency as integer minor units, never through a float: banks send
// amounts in currencies we do not trade (a statement may hold a line in SEK), so the scale comes from
// ISO 4217, with our own assets (domain/money.ts) first.
import { ASSETS, isAssetCode } from '../money.js';
import { UnreadableStatementError } from './types.js';

/** ISO 4217 currencies whose minor unit is not 2 (all others listed by banks have 2). */
const ISO_4217_SCALES: Record<string, number> = {
  BHD: 3,
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  IQD: 3,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  PYG: 0,
  RWF: 0,
  TND: 3,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
};

export function isCurrencyCode(value: string): boolean {
  return /^[A-Z]{3}$/.test(value);
}

/** Decimal places of `currency`'s minor unit. */
export function currencyScale(currency: string): number {
  if (isAssetCode(currency)) return ASSETS[currency].scale;
  return ISO_4217_SCALES[currency] ?? 2;
}

/** At most 10^15 units: far above any real statement, far below bigint trouble downstream. */
const MAX_INTEGER_DIGITS = 15;

/**
 * "1234.50" (or "1234,50" with `comma`) in `currency` as minor units. Extra decimal places are
 * accepted only when they are zeros ("18.150" in EUR is 1815); "8.855" in EUR is unreadable, since
 * rounding a bank's amount would hide a difference.
 */
export function decimalToMinor(
  text: string,
  currency: string,
  at: string,
  options: { comma?: boolean; signed?: boolean } = {},
): bigint {
  const separator = options.comma ? ',' : '.';
  let body = text.trim();
  let negative = false;
  if (options.signed && (body.startsWith('-') || body.startsWith('+'))) {
    negative = body.startsWith('-');
    body = body.slice(1);
  }
  const cut = body.indexOf(separator);
  const whole = cut === -1 ? body : body.slice(0, cut);
  const fraction = cut === -1 ? '' : body.slice(cut + 1);
  const digits = /^[0-9]*$/;
  if (whole === '' && fraction === '') throw new UnreadableStatementError(`"${text}" is not an amount`, at);
  if (!digits.test(whole) || !digits.test(fraction) || whole.length > MAX_INTEGER_DIGITS) {
    throw new UnreadableStatementError(`"${text}" is not an amount`, at);
  }
  const scale = currencyScale(currency);
  const kept = fraction.slice(0, scale).padEnd(scale, '0');
  if (/[^0]/.test(fraction.slice(scale))) {
    throw new UnreadableStatementError(
      `"${text}" has more decimal places than ${currency} (${scale}) allows`,
      at,
    );
  }
  const minor = BigInt((whole || '0') + kept);
  return negative ? -minor : minor;
}

/** Minor units back to a decimal string of `currency` ("-12.30"), for the edge and reports. */
export function minorToDecimal(minor: bigint, currency: string): string {
  const scale = currencyScale(currency);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}
