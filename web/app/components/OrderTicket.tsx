// Order entry in two steps, both plain forms that work before JavaScript loads: the ticket posts
// `intent=preview`; the page answers with what the order would cost (notional, taker fee, the
// reservation held, what stays available) and a confirm form carrying the same fields and this
// preview's own Idempotency-Key, so confirming twice places one order.
import { Form, Link } from '@remix-run/react';
import { formatMoney } from '../amounts.js';

export interface TicketInstrument {
  symbol: string;
  asset: string;
  quoteAsset: string;
  tickSize: string;
  lotSize: string;
  status: 'OPEN' | 'HALTED';
}

export interface TicketFields {
  side: string;
  type: string;
  quantity: string;
  price: string;
  timeInForce: string;
}

export interface OrderPreview {
  symbol: string;
  side: 'BUY' | 'SELL';
  type: 'LIMIT' | 'MARKET';
  timeInForce: string;
  quantity: string;
  /** LIMIT: the limit; MARKET: null (the reservation uses the band's edge). */
  price: string | null;
  /** The price the reservation is sized at (the limit, or a MARKET order's protection price). */
  sizingPrice: string;
  notional: { asset: string; amount: string };
  fee: { asset: string; amount: string; bps: number };
  reservation: { asset: string; amount: string };
  available: { asset: string; amount: string };
  availableAfter: { asset: string; amount: string };
  /** Problems the order would meet (funds, halt); the confirm button still lets the venue decide. */
  warnings: string[];
  /** A fresh key for this preview's confirm form. */
  idempotencyKey: string;
}

export function ticketFieldsFrom(params: URLSearchParams): TicketFields {
  return {
    side: params.get('side') === 'SELL' ? 'SELL' : 'BUY',
    type: params.get('type') === 'MARKET' ? 'MARKET' : 'LIMIT',
    quantity: params.get('quantity') ?? '',
    price: params.get('price') ?? '',
    timeInForce: params.get('timeInForce') ?? 'GTC',
  };
}

function FieldError({ message }: { message: string | undefined }) {
  return message ? <span className="error field-error">{message}</span> : null;
}

export function OrderTicket({
  instrument,
  fields,
  fieldErrors = {},
}: {
  instrument: TicketInstrument;
  fields: TicketFields;
  fieldErrors?: Record<string, string>;
}) {
  return (
    <Form method="post" className="ticket stack" aria-label="Order ticket">
      <input type="hidden" name="intent" value="preview" />
      <fieldset className="sides">
        <legend>Side</legend>
        {(['BUY', 'SELL'] as const).map((side) => (
          <label key={side} className={`side ${side}`}>
            <input type="radio" name="side" value={side} defaultChecked={fields.side === side} />
            {side === 'BUY' ? 'Buy' : 'Sell'}
          </label>
        ))}
      </fieldset>
      <div className="row">
        <label>
          Type
          <select name="type" defaultValue={fields.type}>
            <option value="LIMIT">Limit</option>
            <option value="MARKET">Market</option>
          </select>
        </label>
        <label>
          Time in force
          <select name="timeInForce" defaultValue={fields.timeInForce}>
            <option value="GTC">GTC · good till cancelled</option>
            <option value="DAY">DAY · until the session closes</option>
            <option value="IOC">IOC · fill now, cancel the rest</option>
            <option value="FOK">FOK · all now or nothing</option>
          </select>
        </label>
      </div>
      <div className="row">
        <label>
          Quantity ({instrument.asset})
          <input
            name="quantity"
            inputMode="numeric"
            placeholder={`multiple of ${instrument.lotSize}`}
            defaultValue={fields.quantity}
            required
            aria-invalid={Boolean(fieldErrors.quantity)}
          />
          <FieldError message={fieldErrors.quantity} />
        </label>
        <label>
          Limit price ({instrument.quoteAsset}, Limit only)
          <input
            name="price"
            inputMode="decimal"
            placeholder={`tick ${instrument.tickSize}`}
            defaultValue={fields.price}
            aria-invalid={Boolean(fieldErrors.price)}
          />
          <FieldError message={fieldErrors.price} />
        </label>
      </div>
      <button type="submit" disabled={instrument.status === 'HALTED'}>
        Preview order
      </button>
      {instrument.status === 'HALTED' ? (
        <p className="error">Trading in {instrument.symbol} is halted: new orders are refused.</p>
      ) : null}
    </Form>
  );
}

/** The preview's figures and the confirm form (the same fields, hidden, with this preview's key). */
export function OrderPreviewPanel({ preview, editHref }: { preview: OrderPreview; editHref: string }) {
  const verb = preview.side === 'BUY' ? 'Buy' : 'Sell';
  return (
    <section className="card preview" aria-label="Order preview" data-testid="order-preview">
      <h2>
        Preview: {verb} {formatMoney(preview.quantity, preview.symbol)}{' '}
        {preview.price ? `at ${formatMoney(preview.price, preview.notional.asset)}` : 'at market'} (
        {preview.type} {preview.timeInForce})
      </h2>
      <dl className="kv">
        <dt>Notional</dt>
        <dd data-field="notional">
          {formatMoney(preview.notional.amount, preview.notional.asset)}
          {preview.price ? null : (
            <span className="muted">
              {' '}
              at most, at the band's edge {formatMoney(preview.sizingPrice, preview.notional.asset)}
            </span>
          )}
        </dd>
        <dt>Fee (taker, {preview.fee.bps} bp)</dt>
        <dd data-field="fee">{formatMoney(preview.fee.amount, preview.fee.asset)}</dd>
        <dt>Reserved while the order is open</dt>
        <dd data-field="reservation">{formatMoney(preview.reservation.amount, preview.reservation.asset)}</dd>
        <dt>Available now</dt>
        <dd>{formatMoney(preview.available.amount, preview.available.asset)}</dd>
        <dt>Available after</dt>
        <dd data-field="available-after">
          {formatMoney(preview.availableAfter.amount, preview.availableAfter.asset)}
        </dd>
      </dl>
      {preview.warnings.map((warning) => (
        <p key={warning} className="error" role="alert">
          {warning}
        </p>
      ))}
      <Form method="post" className="row">
        <input type="hidden" name="intent" value="place" />
        <input type="hidden" name="idempotencyKey" value={preview.idempotencyKey} />
        <input type="hidden" name="side" value={preview.side} />
        <input type="hidden" name="type" value={preview.type} />
        <input type="hidden" name="timeInForce" value={preview.timeInForce} />
        <input type="hidden" name="quantity" value={preview.quantity} />
        <input type="hidden" name="price" value={preview.price ?? ''} />
        <button type="submit">Confirm order</button>
        <Link to={editHref}>Change</Link>
      </Form>
    </section>
  );
}
