// Read queries of the trading API (docs/trading.md "db/trading"): executions of clients and orders,
// the order blotter, instruments, and the registry transfers in that open positions. The venue's
// own reads (book, public trades, candles) are db/venue's.
export {
  executionsOfClient,
  executionsOfOrders,
  listExecutions,
  type Execution,
  type ListExecutionsInput,
} from './trades.js';
export { listOrderSummaries, type ListOrdersInput } from './order-blotter.js';
export { getInstrument, listInstruments, type InstrumentRow } from './instruments.js';
export { REGISTRY_TRANSFER_IN_KIND, transfersInOfClient, type TransferIn } from './transfers-in.js';
export {
  MARKET_CHANNEL,
  listenForMarketNotifications,
  type MarketListener,
  type MarketNotificationHandlers,
} from './market-notifications.js';
