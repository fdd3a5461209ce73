// The internal venue in PostgreSQL (docs/trading.md): the book is venue_order, trades are `trade`,
// and every submit/cancel/amend is one transaction with its ledger postings.
export {
  ensureInstruments,
  instrumentState,
  setInstrumentStatus,
  type InstrumentState,
  type InstrumentStatus,
} from './instruments.js';
export { submitOrder } from './submit.js';
export { amendOrder, cancelOrder } from './cancel-amend.js';
export { orderFills, venueOrder } from './results.js';
export {
  bookDepth,
  candles,
  recentTrades,
  type BookDepth,
  type BookLevel,
  type Candle,
  type CandleInterval,
  type PublicTrade,
} from './market-data.js';
export type {
  AmendOrderInput,
  AmendRefusal,
  AmendRefusalCode,
  CancelOrderInput,
  SubmitOrderInput,
  VenueFill,
  VenueOrderResult,
  VenueOrderStatus,
} from './types.js';
