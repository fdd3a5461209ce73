// Amounts as people read them: the edge's decimal string with its integer part grouped by
// thousands and the asset after it ("1,250.50 EUR"). Works on the string itself (no floating
// point), so a large amount shows every digit and the server and browser render the same text.

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
