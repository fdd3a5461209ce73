// PUT /quotes/:symbol (an API key with orders:write): a two-sided quote that replaces the caller's
// previous quote on the symbol — the old pair cancelled, then the new pair placed.
//
// How atomic it is:
//   - Per caller and symbol, PUTs are serialised: each holds the row lock of quote_slot (db/api-keys/
//     quotes.ts) from before it cancels until after it placed. Two racing PUTs therefore never
//     interleave: the second cancels the pair the first placed, and afterwards exactly one pair —
//     the last PUT's — is working (tests/api/quotes.test.ts races two).
//   - The new pair is all-or-nothing (order-bulk.ts placeAllOrNothing: both checked, both holds in
//     one ledger transaction): a bid without its ask is never placed.
//   - To the market it is not one instant: the old pair is cancelled before the new one is placed
//     (the other way round the new ask could meet the old bid, which self-trade prevention would
//     cancel), so for a moment the caller has no quote on the book. And an old order may fill
//     before its cancel lands; the fill stands, and what is left of it is cancelled.
//   - Each placed order is written to quote_order before it is placed, so a PUT that dies half-way
//     leaves nothing the next PUT cannot find and cancel.
//   - A refused new pair (422: funds, band, tick) answers 422 with the old pair already cancelled:
//     a market maker whose new prices are refused is better with no quote than with a stale one.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  liveQuoteOrders,
  markQuoteOrdersReplaced,
  recordQuoteOrders,
  withQuoteSlot,
} from '../../db/api-keys/quotes.js';
import { instrumentOf, parsePrice } from '../../domain/instruments.js';
import { isClient } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { ApiError, forbidden, notFound, validationFailed } from '../errors.js';
import { OrderSchema } from '../order-view.js';
import { decimalAmountSchema } from '../validate.js';
import { parseInput, type SessionUser } from './common.js';
import { placeAllOrNothing } from './order-bulk.js';
import { cancelOrder, prepareOrder, type OrderView } from './orders.js';

const sideSchema = z.object({
  price: decimalAmountSchema.meta({ example: '70.10' }),
  quantity: decimalAmountSchema.meta({ example: '100' }),
});

export const QuoteBodySchema = z.object({ bid: sideSchema, ask: sideSchema }).meta({ id: 'QuoteBody' });

export const QuoteSchema = z
  .object({
    symbol: z.string(),
    bid: OrderSchema,
    ask: OrderSchema,
    replaced: z.array(z.uuid()).meta({ description: 'The previous quote orders taken off the book' }),
  })
  .meta({ id: 'Quote' });

export interface QuoteView {
  symbol: string;
  bid: OrderView;
  ask: OrderView;
  replaced: string[];
}

/** Cancels one previous quote order; one that has ended (filled, cancelled) or never came to be is fine. */
async function takeOff(deps: AppDeps, user: SessionUser, orderId: string): Promise<void> {
  try {
    await cancelOrder(deps, user, orderId, `quote-replace/${orderId}`);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 409 || error.status === 404)) return;
    throw error;
  }
}

export async function replaceQuote(
  deps: AppDeps,
  user: SessionUser,
  symbolParam: string,
  body: unknown,
): Promise<QuoteView> {
  if (!isClient(user.role)) throw forbidden('only clients quote');
  const instrument = instrumentOf(symbolParam);
  if (!instrument) throw notFound('no such instrument');
  if (instrument.venue !== 'internal') throw forbidden('quotes are for the internal venue’s instruments');
  const parsed = parseInput(QuoteBodySchema, body, 'body');
  const quoteId = randomUUID();
  const order = (side: 'BUY' | 'SELL', at: { price: string; quantity: string }) =>
    prepareOrder(
      user,
      { symbol: instrument.symbol, side, type: 'LIMIT', timeInForce: 'GTC', ...at },
      `quote/${quoteId}/${side}`,
    );
  const bid = order('BUY', parsed.bid);
  const ask = order('SELL', parsed.ask);
  if (bid.input.price === null || ask.input.price === null) throw new Error('quote orders have prices');
  if (parsePrice(instrument, bid.input.price) >= parsePrice(instrument, ask.input.price))
    throw validationFailed([
      { path: 'ask.price', code: 'invalid_value', message: 'the ask must be above the bid' },
    ]);

  return withQuoteSlot(deps.pool, user.id, instrument.symbol, async () => {
    const previous = await liveQuoteOrders(deps.pool, user.id, instrument.symbol);
    for (const orderId of previous) await takeOff(deps, user, orderId);
    await markQuoteOrdersReplaced(deps.pool, previous);
    const placing = [bid, ask].map((p) => ({ orderId: p.input.businessId, side: p.input.side }));
    await recordQuoteOrders(deps.pool, user.id, instrument.symbol, placing);
    let views: OrderView[];
    try {
      views = await placeAllOrNothing(deps, user, [bid, ask]);
    } catch (error) {
      // A 422 placed nothing: these rows stand for no order.
      if (error instanceof ApiError && error.status === 422)
        await markQuoteOrdersReplaced(
          deps.pool,
          placing.map((p) => p.orderId),
        );
      throw error;
    }
    const [bidView, askView] = views;
    if (!bidView || !askView) throw new Error('a quote is two orders');
    return { symbol: instrument.symbol, bid: bidView, ask: askView, replaced: previous };
  });
}
