// The portfolio page's "value over time": what the client's holdings were worth after each of their
// fills, valued at the last price each asset traded at in those fills (the instrument's reference
// before its first), and a last point now at today's market prices. One series per quote currency
// (EUR for the allowances, USD for the ETF): values in different currencies are never added.
import { instrumentOfAsset, instrumentOf } from '../../domain/instruments.js';
import { formatAmount, isAssetCode, parseAmount, type AssetCode } from '../../domain/money.js';

export interface HeldPosition {
  asset: string;
  /** Decimal string, now. */
  quantity: string;
  /** Decimal string in the instrument's quote asset, now; null when the API has no mark. */
  marketPrice: string | null;
}

export interface ClientFill {
  symbol: string;
  side: 'BUY' | 'SELL';
  price: string;
  quantity: string;
  at: string;
}

export interface ValueSeries {
  quoteAsset: string;
  points: { at: string; value: string }[];
}

interface Holding {
  asset: AssetCode;
  quoteAsset: AssetCode;
  quantityMinor: bigint;
  priceMinor: bigint;
}

function holdingsValue(holdings: Iterable<Holding>, quoteAsset: AssetCode): bigint {
  let total = 0n;
  for (const h of holdings) if (h.quoteAsset === quoteAsset) total += h.quantityMinor * h.priceMinor;
  return total;
}

/** `fills` in any order; `now` is the last point's time. */
export function portfolioValueSeries(
  positions: HeldPosition[],
  fills: ClientFill[],
  now: string,
): ValueSeries[] {
  const ordered = [...fills].sort((a, b) => a.at.localeCompare(b.at));
  const holdings = new Map<string, Holding>();
  const holdingOf = (asset: AssetCode): Holding | null => {
    const instrument = instrumentOfAsset(asset);
    if (!instrument) return null;
    let holding = holdings.get(asset);
    if (!holding) {
      holding = {
        asset,
        quoteAsset: instrument.quoteAsset,
        quantityMinor: 0n,
        priceMinor: instrument.referencePrice,
      };
      holdings.set(asset, holding);
    }
    return holding;
  };
  // Start from today's quantities and undo every fill: what was held before the first one.
  for (const p of positions) {
    if (!isAssetCode(p.asset)) continue;
    const holding = holdingOf(p.asset);
    if (holding) holding.quantityMinor = parseAmount(p.asset, p.quantity, { allowZero: true });
  }
  const signed = (fill: ClientFill) => {
    const instrument = instrumentOf(fill.symbol);
    if (!instrument) return null;
    const quantityMinor = parseAmount(instrument.asset, fill.quantity);
    return { instrument, delta: fill.side === 'BUY' ? quantityMinor : -quantityMinor };
  };
  for (const fill of ordered) {
    const s = signed(fill);
    const holding = s && holdingOf(s.instrument.asset);
    if (s && holding) holding.quantityMinor -= s.delta;
  }
  const series = new Map<AssetCode, ValueSeries>();
  const pointIn = (quoteAsset: AssetCode, at: string) => {
    let entry = series.get(quoteAsset);
    if (!entry) {
      entry = { quoteAsset, points: [] };
      series.set(quoteAsset, entry);
    }
    entry.points.push({ at, value: formatAmount(quoteAsset, holdingsValue(holdings.values(), quoteAsset)) });
  };
  for (const fill of ordered) {
    const s = signed(fill);
    const holding = s && holdingOf(s.instrument.asset);
    if (!s || !holding) continue;
    holding.quantityMinor += s.delta;
    holding.priceMinor = parseAmount(s.instrument.quoteAsset, fill.price);
    pointIn(s.instrument.quoteAsset, fill.at);
  }
  // Now, at the market: after replaying every fill the quantities are today's again.
  for (const p of positions) {
    if (!isAssetCode(p.asset)) continue;
    const holding = holdingOf(p.asset);
    if (!holding) continue;
    if (holding.quantityMinor !== parseAmount(p.asset, p.quantity, { allowZero: true }))
      throw new Error(`replaying ${p.asset} fills does not end at today's quantity`);
    if (p.marketPrice !== null)
      holding.priceMinor = parseAmount(holding.quoteAsset, p.marketPrice, { allowZero: true });
  }
  const quotes = new Set(
    [...holdings.values()]
      .filter((h) => h.quantityMinor > 0n || series.has(h.quoteAsset))
      .map((h) => h.quoteAsset),
  );
  for (const quoteAsset of quotes) pointIn(quoteAsset, now);
  return [...series.values()].sort((a, b) => a.quoteAsset.localeCompare(b.quoteAsset));
}
