// What an order would cost before it is placed (the trading page's preview step): notional, the fee
// at the policy's taker rate, the reservation the order's hold takes and what stays available.
// Pure: the page glue hands it the instrument's state, the policy and the client's available
// balance; the sizing itself is domain/order.ts, the same functions the order workflow reserves with.
import {
  formatPrice,
  notional as notionalOf,
  parsePrice,
  parseQuantity,
  type Instrument,
} from '../../domain/instruments.js';
import { AmountFormatError, formatAmount } from '../../domain/money.js';
import {
  ORDER_KINDS,
  ORDER_SIDES,
  TIMES_IN_FORCE,
  feeFor,
  protectionPrice,
  reserveAmount,
  reserveAsset,
  type OrderKind,
  type OrderSide,
  type TimeInForce,
} from '../../domain/order.js';
import type { TradingPolicy } from '../../domain/trading-policy.js';
import { validationFailed, type ValidationIssue } from '../errors.js';

export interface TicketInput {
  side: string;
  type: string;
  quantity: string;
  price: string;
  timeInForce: string;
}

export interface PreviewContext {
  instrument: Instrument;
  status: 'OPEN' | 'HALTED';
  statusReason: string | null;
  /** The last trade's price, else the instrument's reference (what the band is centred on). */
  referencePriceMinor: bigint;
  policy: TradingPolicy;
  /** Available (holds excluded) of the asset the order reserves: cash for a BUY, the asset for a SELL. */
  availableMinor: bigint;
}

export interface OrderPreviewFigures {
  symbol: string;
  side: OrderSide;
  type: OrderKind;
  timeInForce: TimeInForce;
  quantity: string;
  price: string | null;
  sizingPrice: string;
  notional: { asset: string; amount: string };
  fee: { asset: string; amount: string; bps: number };
  reservation: { asset: string; amount: string };
  available: { asset: string; amount: string };
  availableAfter: { asset: string; amount: string };
  warnings: string[];
}

function oneOf<T extends string>(values: readonly T[], value: string): T | null {
  return (values as readonly string[]).includes(value) ? (value as T) : null;
}

/** The ticket's fields parsed, or 400 validation_failed naming each bad field (shown on the form). */
export function parseTicket(instrument: Instrument, input: TicketInput) {
  const issues: ValidationIssue[] = [];
  const issue = (path: string, message: string) => issues.push({ path, code: 'invalid_value', message });
  const side = oneOf(ORDER_SIDES, input.side);
  const type = oneOf(ORDER_KINDS, input.type);
  const timeInForce = oneOf(TIMES_IN_FORCE, input.timeInForce || 'GTC');
  if (!side) issue('side', 'choose buy or sell');
  if (!type) issue('type', 'choose limit or market');
  if (!timeInForce) issue('timeInForce', 'choose a time in force');
  const parse = (path: string, work: () => bigint): bigint | null => {
    try {
      return work();
    } catch (error) {
      if (error instanceof AmountFormatError) {
        issue(path, error.message);
        return null;
      }
      throw error;
    }
  };
  const quantityMinor = parse('quantity', () => parseQuantity(instrument, input.quantity));
  let limitPriceMinor: bigint | null = null;
  if (type === 'LIMIT') {
    if (input.price === '') issue('price', 'a limit order needs a price');
    else limitPriceMinor = parse('price', () => parsePrice(instrument, input.price));
  } else if (type === 'MARKET' && input.price !== '') {
    issue('price', 'a market order has no price: leave it empty');
  }
  if (issues.length > 0 || !side || !type || !timeInForce || quantityMinor === null) {
    throw validationFailed(
      issues,
      'check the order: ' + issues.map((i) => `${i.path} — ${i.message}`).join('; '),
    );
  }
  return { side, type, timeInForce, quantityMinor, limitPriceMinor };
}

export function orderPreview(context: PreviewContext, input: TicketInput): OrderPreviewFigures {
  const { instrument, policy } = context;
  const ticket = parseTicket(instrument, input);
  const sizingPriceMinor =
    ticket.limitPriceMinor ?? protectionPrice(instrument, ticket.side, context.referencePriceMinor);
  const notionalMinor = notionalOf(sizingPriceMinor, ticket.quantityMinor);
  const feeMinor = feeFor(notionalMinor, policy.takerFeeBps);
  const reservationMinor = reserveAmount({
    side: ticket.side,
    type: ticket.type,
    quantity: ticket.quantityMinor,
    limitPrice: ticket.limitPriceMinor,
    protectionPrice: ticket.type === 'MARKET' ? sizingPriceMinor : null,
    makerFeeBps: policy.makerFeeBps,
    takerFeeBps: policy.takerFeeBps,
  });
  const reserved = reserveAsset(instrument, ticket.side);
  const afterMinor = context.availableMinor - reservationMinor;
  // Postconditions: a BUY reserves at least notional plus the taker fee; a SELL its quantity.
  if (ticket.side === 'BUY' && reservationMinor < notionalMinor + feeMinor)
    throw new Error('reservation below cost');
  if (ticket.side === 'SELL' && reservationMinor !== ticket.quantityMinor)
    throw new Error('sell reserves its quantity');
  const warnings: string[] = [];
  if (context.status === 'HALTED') {
    warnings.push(
      `Trading in ${instrument.symbol} is halted${context.statusReason ? ` (${context.statusReason})` : ''}: the order will be refused.`,
    );
  }
  if (afterMinor < 0n) {
    warnings.push(
      ticket.side === 'BUY'
        ? `Not enough ${reserved} available: the order needs ${formatAmount(reserved, reservationMinor)} ${reserved}.`
        : `You hold only ${formatAmount(reserved, context.availableMinor)} ${reserved} available to sell.`,
    );
  }
  const quote = instrument.quoteAsset;
  return {
    symbol: instrument.symbol,
    side: ticket.side,
    type: ticket.type,
    timeInForce: ticket.timeInForce,
    quantity: formatAmount(instrument.asset, ticket.quantityMinor),
    price: ticket.limitPriceMinor === null ? null : formatPrice(instrument, ticket.limitPriceMinor),
    sizingPrice: formatPrice(instrument, sizingPriceMinor),
    notional: { asset: quote, amount: formatAmount(quote, notionalMinor) },
    fee: { asset: quote, amount: formatAmount(quote, feeMinor), bps: policy.takerFeeBps },
    reservation: { asset: reserved, amount: formatAmount(reserved, reservationMinor) },
    available: { asset: reserved, amount: formatAmount(reserved, context.availableMinor) },
    availableAfter: { asset: reserved, amount: formatAmount(reserved, afterMinor) },
    warnings,
  };
}
