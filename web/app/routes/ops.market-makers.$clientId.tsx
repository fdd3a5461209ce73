import { type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { isUuid } from '../../../domain/ids.js';
import { Money } from '../components/Money.js';
import { Time } from '../components/Time.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';
import { StatementLink } from '../components/StatementLink.js';

export const meta: MetaFunction = () => [{ title: 'Market maker · backoffice · clearhouse' }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const clientId = String(params.clientId ?? '').toLowerCase();
  if (!isUuid(clientId)) throw new Response('Not found', { status: 404, statusText: 'Not found' });
  const detail = await loadOr404(() => context.services.marketMakers.detail(user, clientId));
  // A client without keys and without a name is no market maker of ours.
  if (detail.person === null) throw new Response('Not found', { status: 404, statusText: 'Not found' });
  return { canManage: user.role === 'admin', ...detail };
}

/** Profit green, loss red, as the portfolio page does; the sign stays in the text. */
function Pnl({ amount, asset }: { amount: string | null; asset: string }) {
  if (amount === null) return <span className="muted">—</span>;
  const sign = amount.startsWith('-') ? 'loss' : /[1-9]/.test(amount) ? 'profit' : '';
  return (
    <span className={sign}>
      <Money amount={amount} asset={asset} />
    </span>
  );
}

export default function MarketMaker() {
  const { person, clientId, keys, orders, trades, positions, cash, canManage } =
    useLoaderData<typeof loader>();
  const title = person ? person.displayName || person.email : clientId;
  return (
    <>
      <p>
        <Link to="/ops/market-makers">← Market makers</Link>
      </p>
      <h1>{title}</h1>
      {person ? (
        <p className="muted">
          {person.email}
          <StatementLink clientId={clientId} />
        </p>
      ) : null}

      <section className="card">
        <h2>API keys</h2>
        {canManage ? (
          <p>
            <Link to="/ops/api-keys">Issue or revoke keys</Link>
          </p>
        ) : null}
        <table className="grid" data-testid="mm-keys">
          <thead>
            <tr>
              <th>Key</th>
              <th>Scopes</th>
              <th className="num">Rate / min</th>
              <th>Created</th>
              <th>Last used</th>
              <th>Expires</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {keys.length === 0 ? (
              <tr>
                <td colSpan={7} className="muted">
                  No API keys.
                </td>
              </tr>
            ) : null}
            {keys.map((k) => (
              <tr key={k.id} data-prefix={k.prefix}>
                <td>
                  <strong>{k.name}</strong> <code>{k.prefix}…</code>
                </td>
                <td>
                  {k.scopes.map((s) => (
                    <code key={s}>{s} </code>
                  ))}
                </td>
                <td className="num">{k.rateLimitPerMinute}</td>
                <td>
                  <Time at={k.createdAt} />
                </td>
                <td>{k.lastUsedAt ? <Time at={k.lastUsedAt} /> : <span className="muted">never</span>}</td>
                <td>
                  {k.expiresAt ? <Time at={k.expiresAt} age={false} /> : <span className="muted">never</span>}
                </td>
                <td>{k.status.replaceAll('_', ' ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="card">
        <h2>Inventory</h2>
        <table className="grid" data-testid="mm-inventory">
          <thead>
            <tr>
              <th>Asset</th>
              <th className="num">Quantity</th>
              <th className="num">Average cost</th>
              <th className="num">Market price</th>
              <th className="num">Market value</th>
              <th className="num">Unrealized P&amp;L</th>
              <th className="num">Realized P&amp;L</th>
            </tr>
          </thead>
          <tbody>
            {positions.length === 0 ? (
              <tr>
                <td colSpan={7} className="muted">
                  No positions.
                </td>
              </tr>
            ) : null}
            {positions.map((p) => (
              <tr key={p.asset} data-asset={p.asset}>
                <td>{p.asset}</td>
                <td className="num">
                  <Money amount={p.quantity} asset={p.asset} />
                </td>
                <td className="num">
                  {p.averageCost === null ? '—' : <Money amount={p.averageCost} asset={p.quoteAsset} />}
                </td>
                <td className="num">
                  {p.marketPrice === null ? '—' : <Money amount={p.marketPrice} asset={p.quoteAsset} />}
                </td>
                <td className="num">
                  {p.marketValue === null ? '—' : <Money amount={p.marketValue} asset={p.quoteAsset} />}
                </td>
                <td className="num">
                  <Pnl amount={p.unrealizedPnl} asset={p.quoteAsset} />
                </td>
                <td className="num">
                  <Pnl amount={p.realizedPnl} asset={p.quoteAsset} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>Cash</h3>
        <table className="grid" data-testid="mm-cash">
          <thead>
            <tr>
              <th>Asset</th>
              <th className="num">Available</th>
              <th className="num">Reserved</th>
              <th className="num">Held</th>
              <th className="num">Pending settlement</th>
            </tr>
          </thead>
          <tbody>
            {cash.length === 0 ? (
              <tr>
                <td colSpan={5} className="muted">
                  No cash accounts.
                </td>
              </tr>
            ) : null}
            {cash.map((b) => (
              <tr key={b.asset}>
                <td>{b.asset}</td>
                <td className="num">
                  <Money amount={b.available} asset={b.asset} />
                </td>
                <td className="num">
                  <Money amount={b.pending} asset={b.asset} />
                </td>
                <td className="num">
                  <Money amount={b.held} asset={b.asset} />
                </td>
                <td className="num">
                  <Money amount={b.pendingSettlement} asset={b.asset} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="card">
        <h2>Recent orders</h2>
        <p>
          <Link to={`/ops/orders?clientId=${clientId}`}>All orders of this client</Link>
        </p>
        <table className="grid" data-testid="mm-orders">
          <thead>
            <tr>
              <th>Placed</th>
              <th>Order</th>
              <th className="num">Quantity (filled)</th>
              <th className="num">Price</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {orders.length === 0 ? (
              <tr>
                <td colSpan={5} className="muted">
                  No orders.
                </td>
              </tr>
            ) : null}
            {orders.map((o) => (
              <tr key={o.id}>
                <td>
                  <Time at={o.createdAt} />
                </td>
                <td>
                  <Link to={`/ops/orders/${o.id}`}>
                    {o.side} {o.symbol} {o.type}
                  </Link>
                  {o.clientOrderId ? <span className="muted"> {o.clientOrderId}</span> : null}
                </td>
                <td className="num">
                  {o.quantity} ({o.filledQuantity})
                </td>
                <td className="num">
                  {o.price === null ? 'market' : <Money amount={o.price} asset={o.quoteAsset} />}
                </td>
                <td>{o.status.replaceAll('_', ' ').toLowerCase()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="card">
        <h2>Recent trades</h2>
        <table className="grid" data-testid="mm-trades">
          <thead>
            <tr>
              <th>Executed</th>
              <th>Trade</th>
              <th className="num">Quantity</th>
              <th className="num">Price</th>
              <th className="num">Fee</th>
              <th>Liquidity</th>
              <th>Settlement</th>
            </tr>
          </thead>
          <tbody>
            {trades.length === 0 ? (
              <tr>
                <td colSpan={7} className="muted">
                  No trades.
                </td>
              </tr>
            ) : null}
            {trades.map((t) => (
              <tr key={t.id}>
                <td>
                  <Time at={t.at} />
                </td>
                <td>
                  <Link to={`/ops/orders/${t.orderId}`}>
                    {t.side} {t.symbol}
                  </Link>
                </td>
                <td className="num">{t.quantity}</td>
                <td className="num">
                  <Money amount={t.price} asset={t.quoteAsset} />
                </td>
                <td className="num">
                  <Money amount={t.fee} asset={t.quoteAsset} />
                </td>
                <td>{t.liquidity.toLowerCase()}</td>
                <td>{t.settlementStatus.replaceAll('_', ' ').toLowerCase()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
