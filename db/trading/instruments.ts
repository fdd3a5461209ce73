// The instrument table as the API lists it (GET /instruments): the catalogue's static terms as the
// venue stored them, with what changes: status (halts), the reference price and the last price.
import type pg from 'pg';

export interface InstrumentRow {
  symbol: string;
  asset: string;
  quoteAsset: string;
  venue: 'internal' | 'paper';
  tickSizeMinor: bigint;
  lotSizeMinor: bigint;
  referencePriceMinor: bigint;
  priceBandPct: number;
  status: 'OPEN' | 'HALTED';
  statusReason: string | null;
  lastPriceMinor: bigint | null;
  sequence: bigint;
  updatedAt: string;
}

interface Row {
  symbol: string;
  asset: string;
  quote_asset: string;
  venue: 'internal' | 'paper';
  tick_size: string;
  lot_size: string;
  reference_price: string;
  price_band_pct: number;
  status: 'OPEN' | 'HALTED';
  status_reason: string | null;
  last_price: string | null;
  sequence: string;
  updated_at: Date;
}

function toInstrument(row: Row): InstrumentRow {
  return {
    symbol: row.symbol,
    asset: row.asset,
    quoteAsset: row.quote_asset,
    venue: row.venue,
    tickSizeMinor: BigInt(row.tick_size),
    lotSizeMinor: BigInt(row.lot_size),
    referencePriceMinor: BigInt(row.reference_price),
    priceBandPct: row.price_band_pct,
    status: row.status,
    statusReason: row.status_reason,
    lastPriceMinor: row.last_price === null ? null : BigInt(row.last_price),
    sequence: BigInt(row.sequence),
    updatedAt: row.updated_at.toISOString(),
  };
}

const COLUMNS = `symbol, asset, quote_asset, venue, tick_size, lot_size, reference_price, price_band_pct,
  status, status_reason, last_price, sequence, updated_at`;

/** Every instrument, by symbol. */
export async function listInstruments(pool: pg.Pool): Promise<InstrumentRow[]> {
  const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM instrument ORDER BY symbol`);
  return rows.map(toInstrument);
}

/** One instrument; null when there is none. */
export async function getInstrument(pool: pg.Pool, symbol: string): Promise<InstrumentRow | null> {
  const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM instrument WHERE symbol = $1`, [symbol]);
  return rows[0] ? toInstrument(rows[0]) : null;
}
