// The one formatting helper for what people read: amounts (the edge's decimal string grouped by
// thousands, the asset after it: "1,250.50 EUR") and instants (the viewer's time zone, with the age
// beside it). Amounts work on the string itself (no floating point), so a large amount shows every
// digit and the server and browser render the same text.

const DECIMAL = /^(-?)(\d+)(\.\d+)?$/;

/** "1250.50" → "1,250.50"; text that is not a plain decimal is shown as it came. */
export function groupDigits(decimal: string): string {
  const match = DECIMAL.exec(decimal);
  if (!match) return decimal;
  const [, sign, whole, fraction] = match;
  return `${sign}${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction ?? ''}`;
}

/** "1250.50", "EUR" → "1,250.50 EUR"; a missing amount is a dash. */
export function formatMoney(decimal: string | null | undefined, asset: string): string {
  if (decimal === null || decimal === undefined || decimal === '') return '—';
  return `${groupDigits(decimal)} ${asset}`;
}

/**
 * An instant as the server renders it: fixed and unambiguous ("2026-03-01 14:05:09 UTC"), the same
 * text on server and client so hydration matches; <Time> replaces it with the viewer's local time.
 */
export function formatUtc(iso: string | null | undefined): string {
  if (!iso) return '—';
  return iso
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z')
    .replace(/Z$/, ' UTC');
}

/** An instant in the viewer's own time zone and locale ("1 Mar 2026, 15:05"). */
export function formatLocal(iso: string, timeZone?: string, locale?: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(at);
}

const AGE_UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** How long ago (or how far ahead) `iso` is from `nowMs`: "5 minutes ago", "in 2 days", "just now". */
export function relativeAge(iso: string, nowMs: number, locale = 'en'): string {
  const deltaMs = Date.parse(iso) - nowMs;
  if (Number.isNaN(deltaMs)) return '';
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, unitMs] of AGE_UNITS) {
    if (Math.abs(deltaMs) >= unitMs) return format.format(Math.trunc(deltaMs / unitMs), unit);
  }
  return 'just now';
}

/** A compact age for tables ("12 min", "5 h", "3 d"), never negative. */
export function shortAge(fromIso: string, nowMs: number): string {
  const minutes = Math.max(0, Math.round((nowMs - Date.parse(fromIso)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} d`;
}
