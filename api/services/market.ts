// Instruments and market data: the catalogue with its live status, the aggregated book, the public
// trades, candles, the halts operations put on an instrument, and the market stream (SSE). Reads
// come from the venue's tables (db/venue, db/trading); nothing here writes the book. Every price and
// quantity leaves as a decimal string at its asset's scale; the book never names an owner.
import type { Request, Response } from 'express';
import { z } from 'zod';
import { config } from '../../db/config.js';
import {
  getInstrument,
  listInstruments,
  listenForMarketNotifications,
  type InstrumentRow,
} from '../../db/trading/index.js';
import { bookDepth, candles, recentTrades, setInstrumentStatus } from '../../db/venue/index.js';
import { instrumentOf, type Instrument } from '../../domain/instruments.js';
import { formatAmount } from '../../domain/money.js';
import { ORDER_SIDES } from '../../domain/order.js';
import { hasAnyRole } from '../../domain/roles.js';
import { auditStaffAction } from '../audit/log.js';
import { holdStreamOpen, NotificationFanout } from '../notification-fanout.js';
import type { AppDeps } from '../deps.js';
import { forbidden, invalidState, notFound, validationFailed } from '../errors.js';
import { instantField, textField } from '../validate.js';
import { parseInput, type SessionUser } from './common.js';

// ---- schemas (also the OpenAPI document) ------------------------------------------------------------

const price = (example: string) => z.string().meta({ example });

export const InstrumentSchema = z
  .object({
    symbol: z.string().meta({ example: 'EUA' }),
    name: z.string().meta({ example: 'EU Allowance' }),
    asset: z.string().meta({ example: 'EUA' }),
    quoteAsset: z.string().meta({ example: 'EUR' }),
    venue: z.enum(['internal', 'paper']),
    tickSize: price('0.01'),
    lotSize: price('1'),
    referencePrice: price('70.00'),
    priceBandPct: z.number(),
    status: z.enum(['OPEN', 'HALTED']),
    statusReason: z.string().nullable(),
    lastPrice: price('70.10').nullable(),
  })
  .meta({ id: 'Instrument' });

const LevelSchema = z.object({ price: price('70.10'), quantity: price('300'), orders: z.number().int() });

export const BookSchema = z
  .object({
    symbol: z.string(),
    bids: z.array(LevelSchema).meta({ description: 'Best (highest) first' }),
    asks: z.array(LevelSchema).meta({ description: 'Best (lowest) first' }),
    lastPrice: price('70.10').nullable(),
    sequence: z.string().meta({ description: 'Counts book changes', example: '42' }),
  })
  .meta({ id: 'Book' });

export const PublicTradeSchema = z
  .object({
    id: z.uuid(),
    price: price('70.10'),
    quantity: price('100'),
    aggressorSide: z.enum(ORDER_SIDES),
    at: z.string(),
  })
  .meta({ id: 'PublicTrade' });

export const CandleSchema = z
  .object({
    start: z.string(),
    open: price('70.00'),
    high: price('70.30'),
    low: price('69.90'),
    close: price('70.10'),
    volume: price('1200'),
  })
  .meta({ id: 'Candle' });

export const SymbolParamsSchema = z.object({ symbol: z.string().meta({ example: 'EUA' }) });

/** Levels per side; a deeper book is for the venue's own tools. */
export const BOOK_DEPTH_MAX = 50;
export const BookQuerySchema = z.object({
  depth: z.coerce.number().int().min(1).max(BOOK_DEPTH_MAX).default(10),
});

/** Public trades per answer (newest first). */
export const TRADES_LIMIT_MAX = 200;
export const MarketTradesQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(TRADES_LIMIT_MAX).default(50),
});

export const CANDLE_INTERVALS = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000 } as const;
export type CandleInterval = keyof typeof CANDLE_INTERVALS;
/** Buckets per answer: a day of minutes, 41 days of hours, 1000 days. */
export const CANDLES_MAX = 1_500;
export const CandlesQuerySchema = z.object({
  interval: z.enum(Object.keys(CANDLE_INTERVALS) as [CandleInterval, ...CandleInterval[]]).default('1m'),
  from: instantField()
    .optional()
    .meta({ description: 'ISO 8601; default: CANDLES_MAX intervals before `to`' }),
  to: instantField().optional().meta({ description: 'ISO 8601; default: now' }),
});

export const HaltBodySchema = z
  .object({ reason: textField({ max: 2000, required: true, multiline: true }) })
  .meta({ id: 'HaltInstrumentBody' });
export const ResumeBodySchema = z
  .object({ note: textField({ max: 2000, required: true, multiline: true }) })
  .meta({ id: 'ResumeInstrumentBody' });

// ---- views ------------------------------------------------------------------------------------------

export type InstrumentView = z.infer<typeof InstrumentSchema>;
export type BookView = z.infer<typeof BookSchema>;
export type PublicTradeView = z.infer<typeof PublicTradeSchema>;
export type CandleView = z.infer<typeof CandleSchema>;

/** The catalogue's instrument of `symbol`, or 404 (an unknown symbol is not a resource). */
export function instrumentOr404(symbol: string): Instrument {
  const instrument = instrumentOf(symbol);
  if (!instrument) throw notFound('no such instrument');
  return instrument;
}

function instrumentView(row: InstrumentRow, instrument: Instrument): InstrumentView {
  const quote = instrument.quoteAsset;
  return {
    symbol: row.symbol,
    name: instrument.name,
    asset: instrument.asset,
    quoteAsset: quote,
    venue: row.venue,
    tickSize: formatAmount(quote, row.tickSizeMinor),
    lotSize: formatAmount(instrument.asset, row.lotSizeMinor),
    referencePrice: formatAmount(quote, row.referencePriceMinor),
    priceBandPct: row.priceBandPct,
    status: row.status,
    statusReason: row.statusReason,
    lastPrice: row.lastPriceMinor === null ? null : formatAmount(quote, row.lastPriceMinor),
  };
}

/** GET /instruments: every instrument the venue knows, with its status and reference price. */
export async function instrumentsFor(deps: AppDeps): Promise<InstrumentView[]> {
  const rows = await listInstruments(deps.pool);
  return rows.flatMap((row) => {
    const instrument = instrumentOf(row.symbol);
    return instrument ? [instrumentView(row, instrument)] : [];
  });
}

/** GET /market/:symbol/book: price levels aggregated, best first, no owners. */
export async function bookFor(
  deps: AppDeps,
  symbol: string,
  query: Record<string, unknown>,
): Promise<BookView> {
  const instrument = instrumentOr404(symbol);
  const { depth } = parseInput(BookQuerySchema, query, 'query');
  return bookView(deps, instrument, depth);
}

async function bookView(deps: AppDeps, instrument: Instrument, depth: number): Promise<BookView> {
  const book = await bookDepth(deps.pool, instrument.symbol, depth);
  if (!book) throw notFound('no such instrument');
  const level = (l: { price: bigint; quantity: bigint; orders: number }) => ({
    price: formatAmount(instrument.quoteAsset, l.price),
    quantity: formatAmount(instrument.asset, l.quantity),
    orders: l.orders,
  });
  return {
    symbol: instrument.symbol,
    bids: book.bids.map(level),
    asks: book.asks.map(level),
    lastPrice: book.lastPrice === null ? null : formatAmount(instrument.quoteAsset, book.lastPrice),
    sequence: String(book.sequence),
  };
}

/** GET /market/:symbol/trades: the newest public trades first. */
export async function marketTradesFor(
  deps: AppDeps,
  symbol: string,
  query: Record<string, unknown>,
): Promise<PublicTradeView[]> {
  const instrument = instrumentOr404(symbol);
  const { limit } = parseInput(MarketTradesQuerySchema, query, 'query');
  return publicTrades(deps, instrument, limit);
}

async function publicTrades(
  deps: AppDeps,
  instrument: Instrument,
  limit: number,
): Promise<PublicTradeView[]> {
  const trades = await recentTrades(deps.pool, instrument.symbol, limit);
  return trades.map((t) => ({
    id: t.tradeId,
    price: formatAmount(instrument.quoteAsset, t.price),
    quantity: formatAmount(instrument.asset, t.quantity),
    aggressorSide: t.aggressorSide,
    at: t.executedAt.toISOString(),
  }));
}

/** GET /market/:symbol/candles: OHLCV per interval over [from, to), only intervals with trades. */
export async function candlesFor(
  deps: AppDeps,
  symbol: string,
  query: Record<string, unknown>,
): Promise<CandleView[]> {
  const instrument = instrumentOr404(symbol);
  const q = parseInput(CandlesQuerySchema, query, 'query');
  const intervalMs = CANDLE_INTERVALS[q.interval];
  const toMs = q.to === undefined ? Date.now() : Date.parse(q.to);
  const fromMs = q.from === undefined ? toMs - CANDLES_MAX * intervalMs : Date.parse(q.from);
  if (fromMs >= toMs)
    throw validationFailed([{ path: 'to', code: 'too_small', message: 'to must be after from' }]);
  if ((toMs - fromMs) / intervalMs > CANDLES_MAX) {
    throw validationFailed([
      {
        path: 'from',
        code: 'too_big',
        message: `at most ${CANDLES_MAX} intervals of ${q.interval} per request`,
      },
    ]);
  }
  const rows = await candles(deps.pool, instrument.symbol, q.interval, new Date(fromMs), new Date(toMs));
  const quote = (minor: bigint) => formatAmount(instrument.quoteAsset, minor);
  return rows.map((c) => ({
    start: c.start.toISOString(),
    open: quote(c.open),
    high: quote(c.high),
    low: quote(c.low),
    close: quote(c.close),
    volume: formatAmount(instrument.asset, c.volume),
  }));
}

// ---- halts ------------------------------------------------------------------------------------------

const HALTERS = ['operations'] as const; // an admin acts as operations (domain/roles.ts canActAs)

/**
 * POST /ops/instruments/:symbol/halt and /resume (operations, admin): new orders of a halted
 * instrument are refused (422 instrument_halted, the risk rule reads the instrument's status);
 * halting a halted one or resuming an open one is 409. Audited with the status before and after.
 */
export async function changeInstrumentStatus(
  deps: AppDeps,
  user: SessionUser,
  symbol: string,
  change: 'halt' | 'resume',
  body: unknown,
): Promise<InstrumentView> {
  if (!hasAnyRole(user.role, HALTERS)) throw forbidden('only operations halt and resume instruments');
  const text =
    change === 'halt'
      ? parseInput(HaltBodySchema, body, 'body').reason
      : parseInput(ResumeBodySchema, body, 'body').note;
  const instrument = instrumentOr404(symbol);
  const before = await getInstrument(deps.pool, instrument.symbol);
  if (!before) throw notFound('no such instrument');
  const target = change === 'halt' ? 'HALTED' : 'OPEN';
  if (before.status === target) throw invalidState(`the instrument is already ${target}`, { status: target });
  await setInstrumentStatus(deps.pool, instrument.symbol, target, change === 'halt' ? text : null);
  const after = await getInstrument(deps.pool, instrument.symbol);
  if (!after) throw new Error(`instrument ${instrument.symbol} vanished`);
  await auditStaffAction(
    deps.pool,
    user,
    `instrument.${change}`,
    { type: 'instrument', id: instrument.symbol },
    { status: before.status, statusReason: before.statusReason },
    {
      status: after.status,
      statusReason: after.statusReason,
      ...(change === 'halt' ? { reason: text } : { note: text }),
    },
  );
  return instrumentView(after, instrument);
}

// ---- the market stream (SSE) ------------------------------------------------------------------------

/** Book levels and trades a stream event carries. */
const STREAM_DEPTH = 10;
const STREAM_TRADES = 20;

let shared: NotificationFanout | undefined;

/**
 * One LISTEN connection per process (db/trading/market-notifications.ts), fanned out to every open
 * market stream of the symbol named by the notification (api/notification-fanout.ts).
 */
function marketNotifications(): NotificationFanout {
  shared ??= new NotificationFanout('market', (handlers) =>
    listenForMarketNotifications(config.databaseUrl, handlers),
  );
  return shared;
}

/** Calls `onChange` after every change the venue announces on `symbol`; answers the unsubscribe. */
export function subscribeToMarket(symbol: string, onChange: () => void): Promise<() => void> {
  return marketNotifications().subscribe(symbol, onChange);
}

export async function closeMarketNotifications(): Promise<void> {
  await shared?.close();
  shared = undefined;
}

/**
 * GET /market/:symbol/stream: an `event: market` with the book's top levels and the last trades at
 * once, then after every change the venue announces. Changes that arrive while one is being sent
 * are sent once, after it (the newest state is what matters).
 */
export async function streamMarket(
  deps: AppDeps,
  req: Request,
  res: Response,
  symbol: string,
): Promise<void> {
  const instrument = instrumentOr404(symbol);
  const load = async () => ({
    book: await bookView(deps, instrument, STREAM_DEPTH),
    trades: await publicTrades(deps, instrument, STREAM_TRADES),
  });
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  let closed = false;
  let sending: Promise<void> | null = null;
  let again = false;
  const send = () => {
    if (sending) {
      again = true;
      return;
    }
    sending = (async () => {
      do {
        again = false;
        if (closed) return;
        try {
          res.write(`event: market\ndata: ${JSON.stringify(await load())}\n\n`);
        } catch {
          res.write(`event: error\ndata: {"message":"could not load the market"}\n\n`);
        }
      } while (again);
    })().finally(() => {
      sending = null;
    });
  };
  const open = await holdStreamOpen(
    req,
    res,
    () => marketNotifications().subscribe(instrument.symbol, send),
    () => {
      closed = true;
    },
  );
  if (open) send();
}
