import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { DEPOSIT_STATUSES } from '../../../domain/deposit.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';
import { ListFilters, NextPageLink } from '../components/ListControls.js';
import { listQuery } from '../list-query.server.js';

export const meta: MetaFunction = () => [{ title: 'Deposits · backoffice · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const query = listQuery(request);
  const page = await context.services.deposits.list(user, query);
  return { page, status: query.status ?? '' };
}

export default function OpsDeposits() {
  const { page, status } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Deposits</h1>
      <ListFilters statuses={DEPOSIT_STATUSES} status={status} />
      <table className="grid">
        <thead>
          <tr>
            <th>Announced</th>
            <th>Client</th>
            <th className="num">Announced amount</th>
            <th className="num">Received</th>
            <th>Reference</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((d) => (
            <tr key={d.id}>
              <td>
                <Link to={`/ops/deposits/${d.id}`}>{formatTime(d.createdAt)}</Link>
              </td>
              <td>{d.clientId.slice(0, 8)}</td>
              <td className="num">
                {d.amount} {d.currency}
              </td>
              <td className="num">{d.receivedAmount ? `${d.receivedAmount} ${d.currency}` : '—'}</td>
              <td>{d.instructions.reference}</td>
              <td>
                <StatusBadge status={d.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <NextPageLink cursor={page.nextCursor} status={status} />
    </>
  );
}
