// The instrument rows of the venue: created from the catalogue (domain/instruments.ts), their trading
// status (halts) and the state the book and the API read: last price, reference price, sequence.
import assert from 'node:assert/strict';
import { INSTRUMENTS, instrumentOf, type Instrument, type Venue } from '../../domain/instruments.js';
import { isAssetCode } from '../../domain/money.js';
import type { Queryable } from '../ledger/rows.js';
import type { Db } from '../ledger/types.js';

export type InstrumentStatus = 'OPEN' | 'HALTED';

export interface InstrumentState {
  status: InstrumentStatus;
  statusReason: string | null;
  lastPrice: bigint | null;
  /** The last trade's price, else the catalogue's reference price (what the price band centres on). */
  referencePrice: bigint;
  sequence: bigint;
}

interface InstrumentRow {
  symbol: string;
  status: InstrumentStatus;
  status_reason: string | null;
  last_price: string | null;
  reference_price: string;
  sequence: string;
}

/**
 * Upserts one row per catalogue instrument. The catalogue's terms (tick, lot, reference, band) win;
 * what trading changed (status, last price, sequence) is never reset.
 */
export async function ensureInstruments(db: Db): Promise<void> {
  await db.query(
    `INSERT INTO instrument (symbol, asset, quote_asset, venue, tick_size, lot_size, reference_price, price_band_pct)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
                          $7::bigint[], $8::int[])
     ON CONFLICT (symbol) DO UPDATE
       SET asset = excluded.asset, quote_asset = excluded.quote_asset, venue = excluded.venue,
           tick_size = excluded.tick_size, lot_size = excluded.lot_size,
           reference_price = excluded.reference_price, price_band_pct = excluded.price_band_pct`,
    [
      INSTRUMENTS.map((i) => i.symbol),
      INSTRUMENTS.map((i) => i.asset),
      INSTRUMENTS.map((i) => i.quoteAsset),
      INSTRUMENTS.map((i) => i.venue),
      INSTRUMENTS.map((i) => i.tickSize),
      INSTRUMENTS.map((i) => i.lotSize),
      INSTRUMENTS.map((i) => i.referencePrice),
      INSTRUMENTS.map((i) => i.priceBandPct),
    ],
  );
}

function toState(row: InstrumentRow): InstrumentState {
  const lastPrice = row.last_price === null ? null : BigInt(row.last_price);
  return {
    status: row.status,
    statusReason: row.status_reason,
    lastPrice,
    referencePrice: lastPrice ?? BigInt(row.reference_price),
    sequence: BigInt(row.sequence),
  };
}

const STATE_COLUMNS = 'symbol, status, status_reason, last_price, reference_price, sequence';

export async function instrumentState(db: Queryable, symbol: string): Promise<InstrumentState | null> {
  const found = await db.query<InstrumentRow>(`SELECT ${STATE_COLUMNS} FROM instrument WHERE symbol = $1`, [
    symbol,
  ]);
  const row = found.rows[0];
  return row ? toState(row) : null;
}

/** Halts or reopens trading. Answers the new state, null for an unknown symbol. */
export async function setInstrumentStatus(
  db: Db,
  symbol: string,
  status: InstrumentStatus,
  reason: string | null,
): Promise<InstrumentState | null> {
  assert.ok(status === 'OPEN' || status === 'HALTED', `status ${String(status)} is OPEN or HALTED`);
  const found = await db.query<InstrumentRow>(
    `UPDATE instrument SET status = $2, status_reason = $3, updated_at = now() WHERE symbol = $1
     RETURNING ${STATE_COLUMNS}`,
    [symbol, status, status === 'OPEN' ? null : reason],
  );
  const row = found.rows[0];
  if (row) await db.query(`SELECT pg_notify('market', $1)`, [symbol]);
  return row ? toState(row) : null;
}

export interface LockedInstrument {
  instrument: Instrument;
  state: InstrumentState;
}

interface TermsRow extends InstrumentRow {
  asset: string;
  quote_asset: string;
  venue: Venue;
  tick_size: string;
  lot_size: string;
  price_band_pct: number;
}

const TERMS_COLUMNS = `${STATE_COLUMNS}, asset, quote_asset, venue, tick_size, lot_size, price_band_pct`;

/** The instrument's terms as stored (ensureInstruments wrote them from the catalogue). */
function toInstrument(row: TermsRow): Instrument {
  assert.ok(isAssetCode(row.asset) && isAssetCode(row.quote_asset), `${row.symbol} has known assets`);
  return {
    symbol: row.symbol,
    name: instrumentOf(row.symbol)?.name ?? row.symbol,
    asset: row.asset,
    quoteAsset: row.quote_asset,
    venue: row.venue,
    tickSize: BigInt(row.tick_size),
    lotSize: BigInt(row.lot_size),
    referencePrice: BigInt(row.reference_price),
    priceBandPct: row.price_band_pct,
  };
}

/**
 * The instrument row, under FOR UPDATE when `lock`: every venue call on one instrument takes that
 * lock first, so matching is serialised per instrument. Null for an unknown symbol.
 */
export async function loadInstrument(
  q: Queryable,
  symbol: string,
  lock: 'FOR UPDATE' | null,
): Promise<LockedInstrument | null> {
  const found = await q.query<TermsRow>(
    `SELECT ${TERMS_COLUMNS} FROM instrument WHERE symbol = $1 ${lock ?? ''}`,
    [symbol],
  );
  const row = found.rows[0];
  return row ? { instrument: toInstrument(row), state: toState(row) } : null;
}

/** loadInstrument under the lock, for an instrument of the internal venue. */
export async function lockInstrument(q: Queryable, symbol: string): Promise<LockedInstrument> {
  const locked = await loadInstrument(q, symbol, 'FOR UPDATE');
  assert.ok(locked, `instrument ${symbol} has its row (ensureInstruments)`);
  assert.equal(locked.instrument.venue, 'internal', `${symbol} trades on the internal venue`);
  return locked;
}

/** After a book change: sequence + `changes`, and the last price when something traded. */
export async function recordBookChange(
  q: Queryable,
  symbol: string,
  changes: number,
  lastPrice: bigint | null,
): Promise<void> {
  if (changes === 0) return;
  await q.query(
    `UPDATE instrument SET sequence = sequence + $2, last_price = coalesce($3::bigint, last_price),
            updated_at = now()
      WHERE symbol = $1`,
    [symbol, changes, lastPrice],
  );
  await q.query(`SELECT pg_notify('market', $1)`, [symbol]);
}
