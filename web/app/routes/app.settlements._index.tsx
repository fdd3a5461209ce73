import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { SETTLEMENT_STATUSES } from '../../../domain/settlement.js';
import { formatMoney } from '../amounts.js';
import { NextPage, StatusFilter } from '../components/Settlement.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { listQuery } from '../list-query.server.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Settlements · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const { status, cursor, limit } = listQuery(request);
  const page = await context.services.settlements.list(user, { status, cursor, limit });
  return { page, status: status ?? '' };
}

export default function Settlements() {
  const { page, status } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Settlements</h1>
      <p className="muted">
        Your trades settle in batches at each cutoff: per asset, what you deliver and what you receive after
        netting. Until a settlement is delivered its proceeds are pending on your balances.
      </p>
      <StatusFilter statuses={SETTLEMENT_STATUSES} status={status} />
      <table className="grid">
        <thead>
          <tr>
            <th>Cutoff</th>
            <th>Legs</th>
            <th className="num">Trades</th>
            <th>Next expected</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={5} className="muted">
                No settlements{status ? ` ${status.toLowerCase()}` : ''} yet.
              </td>
            </tr>
          ) : (
            page.items.map((s) => (
              <tr key={s.id} data-settlement-id={s.id}>
                <td>
                  <Link to={`/app/settlements/${s.id}`}>{formatTime(s.cutoff)}</Link>
                </td>
                <td>
                  {s.legs.length === 0
                    ? 'nothing to move'
                    : s.legs
                        .map(
                          (l) =>
                            `${l.direction === 'RECEIVE' ? 'receive' : 'deliver'} ${formatMoney(l.amount, l.asset)}`,
                        )
                        .join(' · ')}
                </td>
                <td className="num">{s.tradeCount}</td>
                <td>{s.expectedAt ? formatTime(s.expectedAt) : '—'}</td>
                <td>
                  <StatusBadge status={s.status} />
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <NextPage cursor={page.nextCursor} status={status} />
    </>
  );
}
