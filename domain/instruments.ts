// The instrument catalogue and the price/quantity arithmetic of trading. Pure, no I/O.
//
// A price is minor units of the quote asset per ONE WHOLE unit of the asset (EUA at 70.25 EUR is
// 7025n); a quantity is minor units of the asset. Every tradable asset has scale 0 (asserted below),
// so a notional is simply `price × quantity` minor units of the quote asset.

import { ASSETS, formatAmount, isCashAsset, isTradableAsset, parseAmount, type AssetCode } from './money.js';

export type Venue = 'internal' | 'paper';

export interface Instrument {
  symbol: string;
  name: string;
  asset: AssetCode;
  quoteAsset: AssetCode;
  /** The internal venue (our own book, PostgreSQL) or the paper broker (a simulated exchange). */
  venue: Venue;
  /** Smallest price step, in quote minor units. */
  tickSize: bigint;
  /** Smallest quantity step, in asset minor units. */
  lotSize: bigint;
  /** The price the band is centred on before the first trade, in quote minor units. */
  referencePrice: bigint;
  /** Half-width of the price band around the reference, in percent. */
  priceBandPct: number;
}

export const INSTRUMENTS: readonly Instrument[] = Object.freeze([
  {
    symbol: 'EUA',
    name: 'EU Allowance',
    asset: 'EUA',
    quoteAsset: 'EUR',
    venue: 'internal',
    tickSize: 1n,
    lotSize: 1n,
    referencePrice: 7000n,
    priceBandPct: 10,
  },
  {
    symbol: 'CEA',
    name: 'China Emission Allowance',
    asset: 'CEA',
    quoteAsset: 'EUR',
    venue: 'internal',
    // The platform's own tick for CEA (0.05 EUR): coarser than EUA's, as CEA trades at a sixth of
    // its price; an off-tick price is the pre-trade refusal invalid_tick.
    tickSize: 5n,
    lotSize: 1n,
    referencePrice: 1150n,
    // The 10 % of the Shanghai exchange's listed-agreement trades.
    priceBandPct: 10,
  },
  {
    symbol: 'KRBN',
    name: 'KraneShares Global Carbon ETF',
    asset: 'KRBN',
    quoteAsset: 'USD',
    venue: 'paper',
    tickSize: 1n,
    lotSize: 1n,
    referencePrice: 3000n,
    priceBandPct: 10,
  },
] satisfies Instrument[]);

function assertInstrument(i: Instrument): void {
  if (!isTradableAsset(i.asset)) throw new Error(`${i.symbol}: ${i.asset} is not a tradable asset`);
  // notional = price × quantity only holds when a quantity's minor unit is one whole unit.
  if (ASSETS[i.asset].scale !== 0) throw new Error(`${i.symbol}: ${i.asset} must have scale 0`);
  if (!isCashAsset(i.quoteAsset)) throw new Error(`${i.symbol}: quote asset ${i.quoteAsset} is not cash`);
  if (!(i.tickSize > 0n)) throw new Error(`${i.symbol}: tick size must be positive`);
  if (!(i.lotSize > 0n)) throw new Error(`${i.symbol}: lot size must be positive`);
  if (!(i.referencePrice > 0n && i.referencePrice % i.tickSize === 0n))
    throw new Error(`${i.symbol}: reference price must be a positive multiple of the tick`);
  if (!(Number.isFinite(i.priceBandPct) && i.priceBandPct > 0 && i.priceBandPct < 100))
    throw new Error(`${i.symbol}: price band must be between 0 and 100 percent`);
}

for (const instrument of INSTRUMENTS) assertInstrument(instrument);
if (new Set(INSTRUMENTS.map((i) => i.symbol)).size !== INSTRUMENTS.length)
  throw new Error('instrument symbols must be unique');

export const INSTRUMENT_SYMBOLS: readonly string[] = INSTRUMENTS.map((i) => i.symbol);

export function instrumentOf(symbol: string): Instrument | null {
  return INSTRUMENTS.find((i) => i.symbol === symbol) ?? null;
}

/** The instrument that trades `asset` (one per asset). */
export function instrumentOfAsset(asset: AssetCode): Instrument | null {
  return INSTRUMENTS.find((i) => i.asset === asset) ?? null;
}

/** "70.25" → 7025n. Throws AmountFormatError like parseAmount; ticks are a risk rule (invalid_tick). */
export function parsePrice(i: Instrument, text: string): bigint {
  return parseAmount(i.quoteAsset, text);
}

export function formatPrice(i: Instrument, minor: bigint): string {
  return formatAmount(i.quoteAsset, minor);
}

/** "100" → 100n. Throws AmountFormatError like parseAmount; lots are a risk rule (invalid_lot). */
export function parseQuantity(i: Instrument, text: string): bigint {
  return parseAmount(i.asset, text);
}

export function formatQuantity(i: Instrument, minor: bigint): string {
  return formatAmount(i.asset, minor);
}

/** Quote minor units of `quantity` at `price` (scale 0 assets, see the top of the file). */
export function notional(price: bigint, quantity: bigint): bigint {
  if (typeof price !== 'bigint' || typeof quantity !== 'bigint')
    throw new TypeError('price and quantity are bigints of minor units');
  if (price < 0n || quantity < 0n) throw new RangeError('price and quantity are never negative');
  return price * quantity;
}

/** The band's percent in basis points: fractions of a percent to two places (10.5 → 1050). */
function bandBps(bandPct: number): bigint {
  const bps = Math.round(bandPct * 100);
  if (!(Number.isFinite(bandPct) && bandPct >= 0 && bandPct < 100 && Math.abs(bps - bandPct * 100) < 1e-6))
    throw new RangeError(`price band must be 0 to 100 percent in steps of 0.01, got ${bandPct}`);
  return BigInt(bps);
}

/**
 * The inclusive price band around `reference`: ± `bandPct` percent, rounded inward to whole ticks
 * (the low edge up, the high edge down), so every price in it is both tradable and within the
 * percentage. Never below one tick.
 */
export function priceBand(
  reference: bigint,
  bandPct: number,
  tickSize: bigint,
): { low: bigint; high: bigint } {
  if (!(tickSize > 0n)) throw new RangeError('tick size must be positive');
  if (!(reference > 0n)) throw new RangeError('reference price must be positive');
  const bps = bandBps(bandPct);
  const denominator = 10_000n * tickSize;
  const lowScaled = reference * (10_000n - bps);
  const lowTicks = (lowScaled + denominator - 1n) / denominator;
  const highTicks = (reference * (10_000n + bps)) / denominator;
  const low = lowTicks * tickSize < tickSize ? tickSize : lowTicks * tickSize;
  const high = highTicks * tickSize;
  // Postconditions: on the tick grid, and within ±bandPct of the reference.
  if (low % tickSize !== 0n || high % tickSize !== 0n) throw new Error('band edges off the tick grid');
  if (low * 10_000n < lowScaled || high * 10_000n > reference * (10_000n + bps))
    throw new Error('band edges outside the percentage');
  return { low, high };
}
