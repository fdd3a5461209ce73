// Trading services for the Remix pages: the JSON API's own service functions (orders, trades,
// positions, market data, halts), plus what only the pages need — the order preview, the assets of
// each order for display, people by email instead of ids, the portfolio's value over time.
import { randomUUID } from 'node:crypto';
import { findUserByEmail, getUser } from '../../db/users/index.js';
import { formatPrice, instrumentOf, notional, parsePrice } from '../../domain/instruments.js';
import { isUuid } from '../../domain/ids.js';
import { parseAmount } from '../../domain/money.js';
import { reserveAsset } from '../../domain/order.js';
import type { AppDeps } from '../deps.js';
import { notFound } from '../errors.js';
import * as market from '../services/market.js';
import * as orders from '../services/orders.js';
import * as positions from '../services/positions.js';
import { balancesFor } from '../services/balances.js';
import type { WebUser } from './load-context.js';
import { instrumentPage, instrumentSortOf, type InstrumentListQuery } from './instrument-list.js';
import { orderPreview, parseTicket, type TicketInput } from './order-preview.js';
import { portfolioValueSeries, type ClientFill } from './portfolio-value.js';
import { staffListServices } from './staff-lists.js';
import type { Sort } from '../../db/lists/sorting.js';
import { lifecycleSortOf, statusCounts } from '../../db/lists/lifecycle-lists.js';
import { parseInput } from '../services/common.js';

/** Candles shown per interval: two hours of minutes, four days of hours, three months of days. */
const CANDLE_WINDOW_MS: Record<market.CandleInterval, number> = {
  '1m': 2 * 3600_000,
  '1h': 4 * 86_400_000,
  '1d': 92 * 86_400_000,
};
/** Levels of the book shown on the trading page. */
const BOOK_DEPTH = 15;
/** Public trades listed under the charts. */
const RECENT_TRADES = 30;
/** Fills read for the value chart: at most this many pages of the API's largest page. */
const VALUE_FILL_PAGES = 10;
const PAGE_LIMIT = 200;

/** The catalogue's instrument of a symbol the API answered with (always a known one). */
function knownInstrument(symbol: string) {
  const instrument = instrumentOf(symbol);
  if (!instrument) throw new Error(`unknown instrument ${symbol}`);
  return instrument;
}

/** The display terms of the instrument an order, trade or position is in. */
function assetsOf(symbol: string) {
  const instrument = knownInstrument(symbol);
  return { asset: instrument.asset as string, quoteAsset: instrument.quoteAsset as string };
}

/** A trade as the Trades page lists it: with its assets and its notional (price × quantity). */
function tradeRow(trade: positions.TradeView) {
  const instrument = knownInstrument(trade.symbol);
  const notionalMinor = notional(
    parsePrice(instrument, trade.price),
    parseAmount(instrument.asset, trade.quantity),
  );
  return { ...trade, ...assetsOf(trade.symbol), notional: formatPrice(instrument, notionalMinor) };
}

/** Every signed-in person may read the market (API.md); `user` is the page's, asserted by the route. */
function instrumentsWithPrices(deps: AppDeps, _user: WebUser) {
  return market.instrumentsFor(deps);
}

async function instrumentFor(deps: AppDeps, user: WebUser, symbol: string) {
  const found = (await instrumentsWithPrices(deps, user)).find((i) => i.symbol === symbol);
  if (!found) throw notFound(`no instrument ${symbol}`);
  return found;
}

async function marketPage(deps: AppDeps, user: WebUser, symbol: string, interval: market.CandleInterval) {
  const instrument = await instrumentFor(deps, user, symbol);
  const to = new Date();
  const from = new Date(to.getTime() - CANDLE_WINDOW_MS[interval]);
  const [book, trades, candles] = await Promise.all([
    market.bookFor(deps, symbol, { depth: BOOK_DEPTH }),
    market.marketTradesFor(deps, symbol, { limit: RECENT_TRADES }),
    market.candlesFor(deps, symbol, { interval, from: from.toISOString(), to: to.toISOString() }),
  ]);
  return {
    instrument,
    book,
    trades,
    candles,
    window: { from: from.toISOString(), to: to.toISOString(), intervalMs: market.CANDLE_INTERVALS[interval] },
  };
}

async function preview(deps: AppDeps, user: WebUser, symbol: string, input: TicketInput) {
  const instrument = instrumentOf(symbol);
  if (!instrument) throw notFound(`no instrument ${symbol}`);
  // Field errors first, so a typo is named before anything is read.
  const ticket = parseTicket(instrument, input);
  const [state, book, balances] = await Promise.all([
    instrumentFor(deps, user, symbol),
    market.bookFor(deps, symbol, { depth: 1 }),
    balancesFor(deps, user),
  ]);
  const asset = reserveAsset(instrument, ticket.side);
  const available = balances.find((b) => b.asset === asset)?.available ?? '0';
  const figures = orderPreview(
    {
      instrument,
      status: state.status,
      statusReason: state.statusReason ?? null,
      referencePriceMinor: book.lastPrice
        ? parsePrice(instrument, book.lastPrice)
        : instrument.referencePrice,
      policy: orders.currentTradingPolicy(),
      availableMinor: parseAmount(asset, available, { allowZero: true }),
    },
    input,
  );
  // A fresh key per rendered confirm form: confirming twice places one order.
  return { ...figures, idempotencyKey: randomUUID() };
}

type OrderView = orders.OrderView;
const withAssets = <T extends OrderView>(order: T) => ({ ...order, ...assetsOf(order.symbol) });

/** People by name and email where the page shows them; ids only when the person is unknown. */
async function namesOf(deps: AppDeps, ids: Iterable<string>): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of new Set(ids)) {
    const person = await getUser(deps.pool, id);
    names.set(
      id,
      person ? (person.displayName ? `${person.displayName} <${person.email}>` : person.email) : id,
    );
  }
  return names;
}

interface BlotterQuery {
  status?: string;
  symbol?: string;
  side?: string;
  /** An email or a client id. */
  client?: string;
  search?: string;
  /** A header's order (db/lists' whitelist); none: the API's newest first. */
  sort?: Sort;
  cursor?: string;
  limit?: number;
}

/**
 * The blotter in a header's order: the same filters, checked by the API's own query schema, read
 * through db/lists and then order by order as the viewer may see them.
 */
async function sortedOrders(deps: AppDeps, user: WebUser, query: BlotterQuery & { clientId?: string }) {
  const { sort, ...filters } = query;
  const q = parseInput(orders.ListOrdersQuerySchema, filters, 'query');
  const attributes: Record<string, string> = {};
  if (q.symbol) attributes.symbol = q.symbol;
  if (q.side) attributes.side = q.side;
  return staffListServices(deps, 'order', (viewer: WebUser, ids: readonly string[]) =>
    orders.getOrders(deps, viewer, ids),
  ).page(user, {
    text: q.search,
    status: q.status,
    clientId: q.clientId,
    attributes,
    sort,
    cursor: q.cursor,
    limit: q.limit,
  });
}

async function blotter(deps: AppDeps, user: WebUser, query: BlotterQuery) {
  let clientId: string | undefined;
  const client = query.client?.trim().toLowerCase();
  if (client) {
    const person = isUuid(client)
      ? await getUser(deps.pool, client)
      : await findUserByEmail(deps.pool, client);
    if (!person) return { page: { items: [], nextCursor: null }, clientNotFound: true };
    clientId = person.id;
  }
  const { client: _client, sort, ...rest } = query;
  const page = sort
    ? await sortedOrders(deps, user, { ...rest, sort, clientId })
    : await orders.listOrders(deps, user, { ...rest, clientId });
  const names = await namesOf(
    deps,
    page.items.map((o) => o.clientId),
  );
  return {
    page: {
      items: page.items.map((o) => ({ ...withAssets(o), clientName: names.get(o.clientId) ?? o.clientId })),
      nextCursor: page.nextCursor,
    },
    clientNotFound: false,
  };
}

async function clientFills(deps: AppDeps, user: WebUser): Promise<ClientFill[]> {
  const fills: ClientFill[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < VALUE_FILL_PAGES; page += 1) {
    const trades = await positions.listTrades(deps, user, { limit: PAGE_LIMIT, cursor });
    fills.push(...trades.items);
    if (!trades.nextCursor) break;
    cursor = trades.nextCursor;
  }
  return fills;
}

async function portfolio(deps: AppDeps, user: WebUser) {
  const [held, fills] = await Promise.all([positions.positionsFor(deps, user, {}), clientFills(deps, user)]);
  const items = held.items;
  const lots = await Promise.all(
    items
      .filter((p) => p.quantity !== '0')
      .map(async (p) => ({
        asset: p.asset,
        quoteAsset: p.quoteAsset,
        items: (await positions.lotsFor(deps, user, p.asset, {})).items,
      })),
  );
  return {
    positions: items,
    cash: held.cash,
    lots,
    valueSeries: portfolioValueSeries(items, fills, new Date().toISOString()),
  };
}

export function tradingWebServices(deps: AppDeps) {
  return {
    instruments: (user: WebUser) => instrumentsWithPrices(deps, user),
    /** The instrument list's page: sorted, searched and filtered (./instrument-list.ts). */
    instrumentList: {
      sortOf: instrumentSortOf,
      page: async (user: WebUser, query: InstrumentListQuery) =>
        instrumentPage(await instrumentsWithPrices(deps, user), query),
    },
    market: (user: WebUser, symbol: string, interval: market.CandleInterval) =>
      marketPage(deps, user, symbol, interval),
    preview: (user: WebUser, symbol: string, input: TicketInput) => preview(deps, user, symbol, input),
    placeOrder: async (user: WebUser, symbol: string, input: TicketInput, idempotencyKey: string) =>
      withAssets(
        await orders.createOrder(
          deps,
          user,
          {
            symbol,
            side: input.side,
            type: input.type,
            quantity: input.quantity,
            price: input.price === '' ? undefined : input.price,
            timeInForce: input.timeInForce || 'GTC',
          },
          idempotencyKey,
        ),
      ),
    listOrders: async (
      user: WebUser,
      query: { status?: string; symbol?: string; cursor?: string; limit?: number },
    ) => {
      const page = await orders.listOrders(deps, user, query);
      return { items: page.items.map(withAssets), nextCursor: page.nextCursor };
    },
    getOrder: async (user: WebUser, id: string) => {
      const order = withAssets(await orders.getOrder(deps, user, id));
      const names = await namesOf(deps, [order.clientId]);
      return { ...order, clientName: names.get(order.clientId) ?? order.clientId };
    },
    cancelOrder: (user: WebUser, id: string, requestId: string) =>
      orders.cancelOrder(deps, user, id, requestId),
    amendOrder: (
      user: WebUser,
      id: string,
      body: { quantity: string | null; price: string | null },
      requestId: string,
    ) => orders.amendOrder(deps, user, id, body, requestId),
    listTrades: async (user: WebUser, query: { symbol?: string; cursor?: string; limit?: number }) => {
      const page = await positions.listTrades(deps, user, query);
      return {
        items: page.items.map(tradeRow),
        nextCursor: page.nextCursor,
      };
    },
    portfolio: (user: WebUser) => portfolio(deps, user),
    blotter: (user: WebUser, query: BlotterQuery) => blotter(deps, user, query),
    /** Orders per status (the counts above the blotter). */
    blotterCounts: () => statusCounts(deps.pool, 'order'),
    /** The blotter's sort whitelist (UnknownSortError for another column). */
    blotterSortOf: (column?: string | null, dir?: string | null) => lifecycleSortOf('order', column, dir),
    halt: (user: WebUser, symbol: string, reason: string) =>
      market.changeInstrumentStatus(deps, user, symbol, 'halt', { reason }),
    resume: (user: WebUser, symbol: string, note: string) =>
      market.changeInstrumentStatus(deps, user, symbol, 'resume', { note }),
  };
}
