import { randomUUID } from 'node:crypto';
import {
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
  type SerializeFrom,
} from '@remix-run/node';
import { Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { ApiError } from '../../../api/errors.js';
import { attempt, type ActionResult } from '../action-result.server.js';
import { formatMoney } from '../amounts.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { CandleChart } from '../components/charts/CandleChart.js';
import { DepthChart } from '../components/charts/DepthChart.js';
import {
  OrderPreviewPanel,
  OrderTicket,
  ticketFieldsFrom,
  type OrderPreview,
} from '../components/OrderTicket.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.market.instrument.symbol ?? 'Trade'} · clearhouse` },
];

const INTERVALS = ['1m', '1h', '1d'] as const;
type Interval = (typeof INTERVALS)[number];

function intervalOf(params: URLSearchParams): Interval {
  const asked = params.get('interval');
  return (INTERVALS as readonly string[]).includes(asked ?? '') ? (asked as Interval) : '1m';
}

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const interval = intervalOf(new URL(request.url).searchParams);
  const market = await loadOr404(() => context.services.trading.market(user, params.symbol ?? '', interval));
  return { market, interval };
}

type TradeActionData =
  { kind: 'preview'; preview: OrderPreview } | (ActionResult & { kind: 'result'; rejectedOrderId?: string });

/** Why an order is refused, in the words a client acts on. */
const REFUSAL_WORDS: Record<string, string> = {
  instrument_halted:
    'Trading in this instrument is halted: your order was refused. Try again once trading resumes.',
  insufficient_funds: 'Not enough cash available for this order (price × quantity plus the fee is reserved).',
  insufficient_position: 'You do not hold enough of this asset to sell that quantity.',
  kyc_required: 'Your identity check must be approved before you can trade.',
  price_out_of_band: 'The price is outside the allowed band around the reference price.',
  invalid_tick: 'The price is not a multiple of the tick size.',
  invalid_lot: 'The quantity is not a multiple of the lot size.',
  order_too_large: 'The order is larger than the limits allow.',
  market_closed: 'The market is closed.',
};

export async function action({
  context,
  request,
  params,
}: ActionFunctionArgs): Promise<TradeActionData | Response> {
  const user = requireUser(context, request, ['client']);
  const symbol = params.symbol ?? '';
  const form = await request.formData();
  const fields = {
    side: String(form.get('side') ?? ''),
    type: String(form.get('type') ?? ''),
    quantity: String(form.get('quantity') ?? '').trim(),
    price: String(form.get('price') ?? '').trim(),
    timeInForce: String(form.get('timeInForce') ?? 'GTC'),
  };
  if (form.get('intent') === 'preview') {
    let preview: OrderPreview | null = null;
    const result = await attempt(async () => {
      preview = await context.services.trading.preview(user, symbol, fields);
    });
    if (result.ok && preview) return { kind: 'preview', preview };
    return { ...result, kind: 'result' };
  }
  let placedId: string | null = null;
  let rejectedOrderId: string | undefined;
  const result = await attempt(async () => {
    try {
      const order = await context.services.trading.placeOrder(
        user,
        symbol,
        fields,
        String(form.get('idempotencyKey') ?? '') || randomUUID(),
      );
      placedId = order.id;
    } catch (error) {
      const orderId = (error as ApiError).details as { orderId?: unknown } | null | undefined;
      if (error instanceof ApiError && typeof orderId?.orderId === 'string')
        rejectedOrderId = orderId.orderId;
      throw error;
    }
  });
  if (result.ok && placedId) return redirect(`/app/orders/${placedId}`);
  if (!result.ok && REFUSAL_WORDS[result.code]) {
    return { ...result, error: REFUSAL_WORDS[result.code]!, kind: 'result', rejectedOrderId };
  }
  return { ...result, kind: 'result', rejectedOrderId };
}

type Market = SerializeFrom<typeof loader>['market'];

/**
 * Book and trades follow the market stream (GET /api/v1/market/:symbol/stream) once JavaScript
 * runs; without it the page shows what it rendered, and a reload shows the current state.
 */
function useMarketStream(symbol: string, rendered: Pick<Market, 'book' | 'trades'>) {
  const [state, setState] = useState(rendered);
  const [live, setLive] = useState(false);
  useEffect(() => setState(rendered), [rendered]);
  useEffect(() => {
    const source = new EventSource(`/api/v1/market/${encodeURIComponent(symbol)}/stream`, {
      withCredentials: true,
    });
    source.addEventListener('open', () => setLive(true));
    source.addEventListener('error', () => setLive(false));
    const onMarket = (event: Event) => {
      try {
        const data = JSON.parse((event as MessageEvent<string>).data) as Partial<
          Pick<Market, 'book' | 'trades'>
        >;
        setState((current) => ({ book: data.book ?? current.book, trades: data.trades ?? current.trades }));
      } catch {
        /* a malformed event is skipped; the next one carries the full book again */
      }
    };
    source.addEventListener('market', onMarket);
    source.addEventListener('message', onMarket);
    return () => source.close();
  }, [symbol]);
  return { ...state, live };
}

function BookTable({ market, book }: { market: Market; book: Market['book'] }) {
  const { asset, quoteAsset } = market.instrument;
  const rows = Math.max(book.bids.length, book.asks.length);
  return (
    <table className="grid book" data-testid="book">
      <thead>
        <tr>
          <th className="num">Orders</th>
          <th className="num">Bid qty ({asset})</th>
          <th className="num">Bid ({quoteAsset})</th>
          <th className="num">Ask ({quoteAsset})</th>
          <th className="num">Ask qty ({asset})</th>
          <th className="num">Orders</th>
        </tr>
      </thead>
      <tbody>
        {rows === 0 ? (
          <tr>
            <td colSpan={6} className="muted">
              No resting orders.
            </td>
          </tr>
        ) : (
          Array.from({ length: rows }, (_, index) => {
            const bid = book.bids[index];
            const ask = book.asks[index];
            return (
              <tr key={index}>
                <td className="num muted">{bid?.orders ?? ''}</td>
                <td className="num">{bid ? formatMoney(bid.quantity, asset) : ''}</td>
                <td className="num bid">{bid ? formatMoney(bid.price, quoteAsset) : ''}</td>
                <td className="num ask">{ask ? formatMoney(ask.price, quoteAsset) : ''}</td>
                <td className="num">{ask ? formatMoney(ask.quantity, asset) : ''}</td>
                <td className="num muted">{ask?.orders ?? ''}</td>
              </tr>
            );
          })
        )}
      </tbody>
    </table>
  );
}

function RecentTrades({ market, trades }: { market: Market; trades: Market['trades'] }) {
  const { asset, quoteAsset } = market.instrument;
  return (
    <table className="grid" data-testid="recent-trades">
      <thead>
        <tr>
          <th>Time</th>
          <th className="num">Price</th>
          <th className="num">Quantity</th>
          <th>Aggressor</th>
        </tr>
      </thead>
      <tbody>
        {trades.length === 0 ? (
          <tr>
            <td colSpan={4} className="muted">
              No trades yet.
            </td>
          </tr>
        ) : (
          trades.map((t) => (
            <tr key={t.id}>
              <td>{formatTime(t.at)}</td>
              <td className={`num ${t.aggressorSide === 'BUY' ? 'bid' : 'ask'}`}>
                {formatMoney(t.price, quoteAsset)}
              </td>
              <td className="num">{formatMoney(t.quantity, asset)}</td>
              <td>{t.aggressorSide === 'BUY' ? 'Buyer' : 'Seller'}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

function IntervalSwitch({ interval }: { interval: Interval }) {
  const [params] = useSearchParams();
  return (
    <nav className="interval-switch" aria-label="Candle interval">
      {INTERVALS.map((option) => {
        const next = new URLSearchParams(params);
        next.set('interval', option);
        return option === interval ? (
          <strong key={option} aria-current="true">
            {option}
          </strong>
        ) : (
          <Link key={option} to={`?${next}`} preventScrollReset>
            {option}
          </Link>
        );
      })}
    </nav>
  );
}

function TicketSection({ market, data }: { market: Market; data: TradeActionData | undefined }) {
  const [params] = useSearchParams();
  const instrument = market.instrument;
  if (data?.kind === 'preview') {
    const edit = new URLSearchParams({
      side: data.preview.side,
      type: data.preview.type,
      quantity: data.preview.quantity,
      price: data.preview.price ?? '',
      timeInForce: data.preview.timeInForce,
    });
    return <OrderPreviewPanel preview={data.preview} editHref={`?${edit}`} />;
  }
  const failed = data && !data.ok ? data : undefined;
  return (
    <section className="card">
      <h2>New order</h2>
      <OrderTicket instrument={instrument} fields={ticketFieldsFrom(params)} fieldErrors={failed?.fields} />
      <ActionMessage result={failed} />
      {failed?.rejectedOrderId ? (
        <p>
          The refused order is kept:{' '}
          <Link to={`/app/orders/${failed.rejectedOrderId}`}>see it in My orders</Link>.
        </p>
      ) : null}
    </section>
  );
}

export default function TradePage() {
  const { market, interval } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as TradeActionData | undefined;
  const { book, trades, live } = useMarketStream(market.instrument.symbol, market);
  const instrument = market.instrument;
  return (
    <>
      <p>
        <Link to="/app/trade">← Instruments</Link>
      </p>
      <h1>
        {instrument.symbol} · {instrument.name} <StatusBadge status={instrument.status} />
      </h1>
      <p className="muted">
        Last price{' '}
        <strong data-testid="last-price">
          {book.lastPrice ? formatMoney(book.lastPrice, instrument.quoteAsset) : '—'}
        </strong>{' '}
        · reference {formatMoney(instrument.referencePrice, instrument.quoteAsset)} · band ±
        {instrument.priceBandPct}% · tick {instrument.tickSize} · lot {instrument.lotSize} ·{' '}
        {instrument.venue === 'internal' ? 'internal book' : 'paper broker'}
      </p>
      {instrument.status === 'HALTED' ? (
        <p className="error" role="alert">
          Halted{instrument.statusReason ? `: ${instrument.statusReason}` : ''}. New orders are refused until
          trading resumes.
        </p>
      ) : null}
      <p className="muted" aria-live="polite">
        {live ? 'Live: book and trades update by themselves.' : 'Reload to see the latest book and trades.'}
      </p>
      <div className="trade-layout">
        <div className="stack">
          <TicketSection market={market} data={data} />
        </div>
        <div className="stack">
          <section className="card">
            <h2>Depth of book</h2>
            <DepthChart
              bids={book.bids}
              asks={book.asks}
              asset={instrument.asset}
              quoteAsset={instrument.quoteAsset}
            />
            <BookTable market={market} book={book} />
          </section>
        </div>
      </div>
      <section className="card">
        <div className="row spread">
          <h2>Price</h2>
          <IntervalSwitch interval={interval} />
        </div>
        <CandleChart
          candles={market.candles}
          quoteAsset={instrument.quoteAsset}
          from={market.window.from}
          to={market.window.to}
          intervalMs={market.window.intervalMs}
        />
        <p className="muted">Times in UTC.</p>
      </section>
      <section className="card">
        <h2>Recent trades</h2>
        <RecentTrades market={market} trades={trades} />
      </section>
    </>
  );
}
