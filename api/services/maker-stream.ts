// GET /market/:symbol/maker-stream (a client or an API key with market:read): the market stream a
// market maker needs on one connection — `event: book` (the top levels, as GET /market/:symbol/book)
// at once and after every change the venue announces, and `event: fill` for each of the caller's
// own executions on the symbol as it happens (the first message, `event: fills`, carries the last
// ones). The public GET /market/:symbol/stream stays as it is: it has no owner to speak of.
import type { Request, Response } from 'express';
import { listExecutions, type Execution } from '../../db/trading/index.js';
import { formatAmount } from '../../domain/money.js';
import type { Instrument } from '../../domain/instruments.js';
import { isClient } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { forbidden } from '../errors.js';
import { holdStreamOpen } from '../notification-fanout.js';
import { bookFor, instrumentOr404, subscribeToMarket } from './market.js';
import type { SessionUser } from './common.js';

const STREAM_DEPTH = '10';
/** Own fills read per change, and the first message's; more in one change arrive as the next read. */
const FILLS_PER_READ = 50;
/** Trade ids remembered to send each fill once; older ones cannot come back in a newest-first read. */
const SENT_MAX = 1_000;
const HEARTBEAT_MS = 15_000;

function fillView(instrument: Instrument, e: Execution) {
  return {
    tradeId: e.tradeId,
    orderId: e.orderId,
    side: e.side,
    price: formatAmount(instrument.quoteAsset, e.priceMinor),
    quantity: formatAmount(instrument.asset, e.quantityMinor),
    fee: formatAmount(instrument.quoteAsset, e.feeMinor),
    liquidity: e.liquidity,
    at: e.executedAt,
  };
}

export async function streamForMaker(
  deps: AppDeps,
  user: SessionUser,
  req: Request,
  res: Response,
  symbol: string,
): Promise<void> {
  if (!isClient(user.role)) throw forbidden('the maker stream shows a client’s own fills');
  const instrument = instrumentOr404(symbol);
  const sent = new Set<string>();
  const ownFills = async () => {
    const page = await listExecutions(deps.pool, {
      clientId: user.id,
      symbol: instrument.symbol,
      limit: FILLS_PER_READ,
    });
    // Oldest first, so a reader applies them in the order they happened.
    const fresh = page.items.filter((e) => !sent.has(`${e.tradeId}/${e.side}`)).reverse();
    for (const e of fresh) sent.add(`${e.tradeId}/${e.side}`);
    while (sent.size > SENT_MAX) {
      const oldest = sent.values().next();
      if (oldest.done) break;
      sent.delete(oldest.value);
    }
    return fresh.map((e) => fillView(instrument, e));
  };

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
  const write = (event: string, data: unknown) => {
    if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const send = (first: boolean) => {
    if (sending) {
      again = true;
      return;
    }
    sending = (async () => {
      do {
        again = false;
        if (closed) return;
        try {
          write('book', await bookFor(deps, instrument.symbol, { depth: STREAM_DEPTH }));
          const fills = await ownFills();
          if (first) write('fills', fills);
          else for (const fill of fills) write('fill', fill);
        } catch {
          write('error', { message: 'could not load the market' });
        }
        first = false;
      } while (again);
    })().finally(() => {
      sending = null;
    });
  };
  const open = await holdStreamOpen(
    req,
    res,
    () => subscribeToMarket(instrument.symbol, () => send(false)),
    () => {
      closed = true;
    },
    HEARTBEAT_MS,
  );
  if (open) send(true);
}
