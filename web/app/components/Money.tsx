import { formatMoney } from '../amounts.js';

/** An amount with its asset, grouped; in a table cell give the cell className="num" to align it. */
export function Money({ amount, asset }: { amount: string | null | undefined; asset: string }) {
  return <span className="money">{formatMoney(amount, asset)}</span>;
}
