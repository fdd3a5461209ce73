// The client's home: balances now (the table the other pages and tests read), their daily history,
// what is still open and what changed last.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { HISTORY_DAYS, SUBJECT_NOUNS, type HistoryDays } from '../../../domain/client-statement.js';
import { clientPathOf } from '../client-links.js';
import { Money } from '../components/Money.js';
import { Time } from '../components/Time.js';
import { StatusBadge } from '../components/Timeline.js';
import { LineChart } from '../components/charts/LineChart.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Balances · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const asked = Number(new URL(request.url).searchParams.get('days'));
  const days: HistoryDays = HISTORY_DAYS.find((d) => d === asked) ?? HISTORY_DAYS[0];
  return context.services.clientHome.dashboard(user, days);
}

/** The open lifecycles the home counts, each with the list it links to. */
const OPEN_LISTS = [
  { type: 'deposit', label: 'Deposits in progress', to: '/app/deposits' },
  { type: 'withdrawal', label: 'Withdrawals in progress', to: '/app/withdrawals' },
  { type: 'order', label: 'Open orders', to: '/app/orders' },
  {
    type: 'certificate_transfer',
    label: 'Certificate transfers in progress',
    to: '/app/certificate-transfers',
  },
  { type: 'client_settlement', label: 'Settlements in progress', to: '/app/settlements' },
] as const;

export default function Balances() {
  const { balances, days, history, open, recent } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Balances</h1>
      {balances.length === 0 ? (
        <p className="muted">No balances yet. Announce a deposit to fund your account.</p>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th>Asset</th>
              <th className="num">Available</th>
              <th className="num">Held (AML)</th>
              <th className="num">Reserved</th>
              <th className="num">Pending settlement</th>
              <th>Statement</th>
            </tr>
          </thead>
          <tbody>
            {balances.map((b) => (
              <tr key={b.asset} data-asset={b.asset}>
                <th scope="row">{b.asset}</th>
                <td className="num" data-field="available">
                  <Money amount={b.available} asset={b.asset} />
                </td>
                <td className="num" data-field="held">
                  <Money amount={b.held} asset={b.asset} />
                </td>
                <td className="num">
                  <Money amount={b.pending} asset={b.asset} />
                </td>
                <td className="num">
                  <Money amount={b.pendingSettlement} asset={b.asset} />
                </td>
                <td>
                  <Link to={`/app/statement?asset=${b.asset}`}>{b.asset} statement</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <section className="card" aria-labelledby="open-title">
        <h2 id="open-title">In progress</h2>
        <nav className="status-counts" aria-label="In progress" data-testid="open-counts">
          {OPEN_LISTS.map((list) => (
            <Link key={list.type} to={list.to} data-type={list.type}>
              {list.label} <span className="count">{open[list.type].toLocaleString('en')}</span>
            </Link>
          ))}
        </nav>
      </section>

      <section className="card" aria-labelledby="history-title">
        <h2 id="history-title">Balance history (last {days} days)</h2>
        <nav className="interval-switch" aria-label="History span">
          {HISTORY_DAYS.map((d) => (
            <Link key={d} to={`?days=${d}`} aria-current={d === days ? 'page' : undefined}>
              {d} days
            </Link>
          ))}
        </nav>
        <p className="muted">
          Everything held for you per asset at the end of each day (UTC): available, on AML hold and pending
          settlement together.
        </p>
        {history.length === 0 ? (
          <p className="muted">No history yet.</p>
        ) : (
          history.map((series) => (
            <figure key={series.asset} data-testid={`history-${series.asset}`}>
              <LineChart
                title={`${series.asset} balance per day`}
                unit={series.asset}
                points={series.points}
              />
              <figcaption>
                {series.asset}: <Money amount={series.points[0]?.value} asset={series.asset} /> on{' '}
                {series.points[0]?.at.slice(0, 10)},{' '}
                <Money amount={series.points.at(-1)?.value} asset={series.asset} /> today ·{' '}
                <Link to={`/app/statement?asset=${series.asset}`}>statement</Link>
              </figcaption>
            </figure>
          ))
        )}
      </section>

      <section className="card" aria-labelledby="recent-title">
        <h2 id="recent-title">Recent activity</h2>
        {recent.length === 0 ? (
          <p className="muted">Nothing yet.</p>
        ) : (
          <table className="grid" data-testid="recent-activity">
            <thead>
              <tr>
                <th scope="col">Updated</th>
                <th scope="col">What</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((item) => {
                const href = clientPathOf(item);
                const name = `${SUBJECT_NOUNS[item.type] ?? item.type} ${item.reference ?? item.id.slice(0, 8)}`;
                return (
                  <tr key={`${item.type}-${item.id}`}>
                    <td>
                      <Time at={item.updatedAt} />
                    </td>
                    <td>{href ? <Link to={href}>{name}</Link> : name}</td>
                    <td className="num">
                      {item.amount && item.asset ? <Money amount={item.amount} asset={item.asset} /> : null}
                    </td>
                    <td>
                      <StatusBadge status={item.status} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
