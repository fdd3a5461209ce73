import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { formatAmount, isAssetCode, parseAmount } from '../../../domain/money.js';
import { formatMoney } from '../amounts.js';
import { BarChart } from '../components/charts/BarChart.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Dashboard · backoffice · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  return context.services.dashboards.staff(user);
}

/** A day's sum in minor units; null (shown as —) for an asset or a sum the ledger could not hold. */
function minorOf(currency: string, amount: string): bigint | null {
  if (!isAssetCode(currency)) return null;
  try {
    return parseAmount(currency, amount, { allowZero: true });
  } catch {
    return null;
  }
}

interface DayFigure {
  day: string;
  currency: string;
  count: number;
  amount: string;
}

/** The last `days` days as labels (MM-DD), so days without activity show as empty bars. */
function lastDays(days: number, now = new Date()): string[] {
  const out: string[] = [];
  for (let i = days - 1; i >= 0; i--)
    out.push(new Date(now.getTime() - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

function volumeTable(title: string, rows: readonly DayFigure[]) {
  // Summed in minor units (bigint), never floats: the stored amounts are the edge's decimal strings.
  const totals = new Map<string, { count: number; minor: bigint | null }>();
  for (const row of rows) {
    const total = totals.get(row.currency) ?? { count: 0, minor: 0n };
    total.count += row.count;
    const minor = minorOf(row.currency, row.amount);
    total.minor = total.minor !== null && minor !== null ? total.minor + minor : null;
    totals.set(row.currency, total);
  }
  return (
    <table className="grid">
      <caption className="visually-hidden">{title}</caption>
      <thead>
        <tr>
          <th scope="col">Currency</th>
          <th scope="col" className="num">
            Count
          </th>
          <th scope="col" className="num">
            Volume
          </th>
        </tr>
      </thead>
      <tbody>
        {[...totals].map(([currency, total]) => (
          <tr key={currency}>
            <td>{currency}</td>
            <td className="num">{total.count}</td>
            <td className="num">
              {total.minor !== null && isAssetCode(currency)
                ? formatMoney(formatAmount(currency, total.minor), currency)
                : '—'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function StaffDashboard() {
  const data = useLoaderData<typeof loader>();
  const days = lastDays(data.days);
  const perDay = (rows: readonly { day: string; count: number }[]) =>
    days.map((day) => ({
      label: day.slice(5),
      value: rows.filter((row) => row.day === day).reduce((sum, row) => sum + row.count, 0),
    }));
  return (
    <>
      <h1>Dashboard</h1>
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <section className="card" style={{ flex: 1 }} aria-labelledby="tasks-title">
          <h2 id="tasks-title">Open tasks by age</h2>
          <BarChart
            title="Open tasks by age"
            markedLabel="past their due time (SLA)"
            bars={data.tasks.map((b) => ({ label: b.bucket, value: b.count, marked: b.overdue }))}
          />
          <p>
            <Link to="/ops/tasks">Open the task inbox →</Link>
          </p>
        </section>
        <section className="card" style={{ flex: 1 }} aria-labelledby="aml-title">
          <h2 id="aml-title">AML holds by age</h2>
          <BarChart
            title="Deposits on AML hold, by time since receipt"
            markedLabel="hold time passed"
            bars={data.amlHolds.map((b) => ({ label: b.bucket, value: b.count, marked: b.overdue }))}
          />
        </section>
      </div>
      <section className="card" aria-labelledby="deposits-title">
        <h2 id="deposits-title">Deposits per day (last {data.days} days)</h2>
        <BarChart title="Deposits announced per day" bars={perDay(data.deposits)} />
        {volumeTable('Deposit volume', data.deposits)}
      </section>
      <section className="card" aria-labelledby="withdrawals-title">
        <h2 id="withdrawals-title">Withdrawals per day (last {data.days} days)</h2>
        <BarChart title="Withdrawals requested per day" bars={perDay(data.withdrawals)} />
        {volumeTable('Withdrawal volume', data.withdrawals)}
      </section>
      <section className="card" aria-labelledby="trades-title">
        <h2 id="trades-title">Trades per day (last {data.days} days)</h2>
        <BarChart
          title="Trades per day"
          bars={days.map((day) => ({
            label: day.slice(5),
            value: data.trades.filter((t) => t.day === day).reduce((sum, t) => sum + t.trades, 0),
          }))}
        />
      </section>
    </>
  );
}
