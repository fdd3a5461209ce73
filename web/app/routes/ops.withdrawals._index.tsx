import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { WITHDRAWAL_STATUSES, groupIban } from '../../../domain/withdrawal.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';
import { ListFilters, NextPageLink } from '../components/ListControls.js';
import { listQuery } from '../list-query.server.js';

export const meta: MetaFunction = () => [{ title: 'Withdrawals · backoffice · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const query = listQuery(request);
  const page = await context.services.withdrawals.list(user, query);
  return { page, status: query.status ?? '' };
}

export default function OpsWithdrawals() {
  const { page, status } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Withdrawals</h1>
      <ListFilters statuses={WITHDRAWAL_STATUSES} status={status} />
      <table className="grid">
        <thead>
          <tr>
            <th>Requested</th>
            <th>Client</th>
            <th className="num">Amount</th>
            <th>To</th>
            <th>Approvals</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={6} className="muted">
                No withdrawals.
              </td>
            </tr>
          ) : (
            page.items.map((w) => (
              <tr key={w.id} data-withdrawal-id={w.id}>
                <td>
                  <Link to={`/ops/withdrawals/${w.id}`}>{formatTime(w.createdAt)}</Link>
                </td>
                <td>{w.clientId.slice(0, 8)}</td>
                <td className="num">
                  {w.amount} {w.currency}
                </td>
                <td>{w.bankAccount ? groupIban(w.bankAccount.iban) : '—'}</td>
                <td>
                  {w.approvals.length} of {w.approvalsRequired}
                  {w.secondApproverNeeded ? ' · second approver needed' : ''}
                  {w.escalatedAt && w.status === 'PENDING_APPROVAL' ? ' · overdue' : ''}
                </td>
                <td>
                  <StatusBadge status={w.status} />
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <NextPageLink cursor={page.nextCursor} status={status} />
    </>
  );
}
