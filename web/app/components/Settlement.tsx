// The parts of a settlement page shared by the client's page and the operations' views: its legs,
// its steps with expected next to actual times, and its trades.
import { Form, Link, useSearchParams } from '@remix-run/react';
import { formatMoney } from '../amounts.js';
import { StatusBadge, formatTime } from './Timeline.js';

export interface SettlementLegItem {
  asset: string;
  direction: 'DELIVER' | 'RECEIVE';
  amount: string;
}

/** Per asset, what the client delivers or receives after netting. */
export function SettlementLegs({ legs }: { legs: readonly SettlementLegItem[] }) {
  if (legs.length === 0) return <p className="muted">Everything netted to zero: nothing to move.</p>;
  return (
    <table className="grid" aria-label="Legs">
      <thead>
        <tr>
          <th>Asset</th>
          <th>Direction</th>
          <th className="num">Amount</th>
        </tr>
      </thead>
      <tbody>
        {legs.map((leg) => (
          <tr key={leg.asset} data-leg={leg.asset}>
            <td>{leg.asset}</td>
            <td>{leg.direction === 'RECEIVE' ? 'RECEIVE (you receive)' : 'DELIVER (you deliver)'}</td>
            <td className="num">{formatMoney(leg.amount, leg.asset)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const MAIN_STEPS = ['INITIATED', 'PROCESSED', 'DELIVERED', 'CONFIRMED'] as const;

interface SteppedSettlement {
  status: string;
  expected: Record<string, string>;
  timeline: readonly { at: string; to: string }[];
}

/**
 * Each step with when it was expected and when it happened; FAILING and CANCELLED appear only when
 * the settlement went through them. A step that came later than expected says so.
 */
export function SettlementSteps({ settlement }: { settlement: SteppedSettlement }) {
  const reached = new Map<string, string>();
  for (const entry of settlement.timeline) if (!reached.has(entry.to)) reached.set(entry.to, entry.at);
  const steps: string[] = [...MAIN_STEPS];
  if (reached.has('FAILING')) steps.splice(2, 0, 'FAILING');
  if (reached.has('CANCELLED')) steps.splice(steps.indexOf('DELIVERED'), 2, 'CANCELLED');
  return (
    <table className="grid" aria-label="Steps">
      <thead>
        <tr>
          <th>Step</th>
          <th>Expected</th>
          <th>Actual</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((step) => {
          const expected = settlement.expected[step];
          const actual = reached.get(step);
          const late = expected && actual && Date.parse(actual) > Date.parse(expected);
          return (
            <tr key={step} data-step={step}>
              <td>
                <StatusBadge status={step} />
              </td>
              <td>{expected ? formatTime(expected) : '—'}</td>
              <td>
                {actual ? formatTime(actual) : settlement.status === step ? 'now' : 'not yet'}
                {late ? <span className="muted"> (later than expected)</span> : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export interface SettlementTradeItem {
  id: string;
  symbol: string;
  asset: string;
  quoteAsset: string;
  side: 'BUY' | 'SELL';
  price: string;
  quantity: string;
  fee: string;
  at: string;
  settlementStatus: string;
}

/** The trades the settlement covers, from the client's side. */
export function SettlementTrades({
  trades,
  total,
}: {
  trades: readonly SettlementTradeItem[];
  total: number;
}) {
  if (trades.length === 0) return <p className="muted">No trades.</p>;
  return (
    <>
      <table className="grid" aria-label="Included trades">
        <thead>
          <tr>
            <th>Executed</th>
            <th>Instrument</th>
            <th>Side</th>
            <th className="num">Quantity</th>
            <th className="num">Price</th>
            <th className="num">Fee</th>
            <th>Trade</th>
          </tr>
        </thead>
        <tbody>
          {trades.map((t) => (
            <tr key={t.id} data-trade-id={t.id}>
              <td>{formatTime(t.at)}</td>
              <td>{t.symbol}</td>
              <td>{t.side}</td>
              <td className="num">{formatMoney(t.quantity, t.asset)}</td>
              <td className="num">{formatMoney(t.price, t.quoteAsset)}</td>
              <td className="num">{formatMoney(t.fee, t.quoteAsset)}</td>
              <td>
                <StatusBadge status={t.settlementStatus} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {total > trades.length ? (
        <p className="muted">
          The first {trades.length} of {total} trades.
        </p>
      ) : null}
    </>
  );
}

/** A settlement list's filter: a plain GET form, so the filter lives in the URL. */
export function StatusFilter({
  statuses,
  status,
  clientFilter = false,
}: {
  statuses: readonly string[];
  status: string;
  clientFilter?: boolean;
}) {
  const [params] = useSearchParams();
  return (
    <Form method="get" className="row card">
      {params.get('id') ? <input type="hidden" name="id" value={params.get('id') ?? ''} /> : null}
      <label>
        Status
        <select name="status" defaultValue={status}>
          <option value="">All</option>
          {statuses.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      {clientFilter ? (
        <label>
          Client id
          <input name="clientId" defaultValue={params.get('clientId') ?? ''} />
        </label>
      ) : null}
      <button type="submit" className="secondary">
        Filter
      </button>
    </Form>
  );
}

/** The next page's link, keeping the filters in effect. */
export function NextPage({ cursor, status }: { cursor: string | null; status: string }) {
  const [params] = useSearchParams();
  if (!cursor) return null;
  const next = new URLSearchParams(params);
  next.set('status', status);
  next.set('cursor', cursor);
  return (
    <p>
      <Link to={`?${next}`}>Next page →</Link>
    </p>
  );
}
