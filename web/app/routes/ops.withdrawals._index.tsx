import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { WITHDRAWAL_STATUSES, groupIban } from '../../../domain/withdrawal.js';
import { Money } from '../components/Money.js';
import { Person } from '../components/Person.js';
import { Time } from '../components/Time.js';
import { StatusBadge } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';
import { CsvExportLink, ListFilters, NextPageLink, StatusCounts } from '../components/ListControls.js';
import { listQuery, searchText } from '../list-query.server.js';

export const meta: MetaFunction = () => [{ title: 'Withdrawals · backoffice · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const query = listQuery(request);
  const q = searchText(request);
  const withdrawals = context.services.withdrawals;
  const [page, counts] = await Promise.all([
    q
      ? withdrawals.lists.search(user, q, query.status).then((items) => ({ items, nextCursor: null }))
      : withdrawals.list(user, query),
    withdrawals.lists.counts(),
  ]);
  const people = await context.services.people(page.items.map((w) => w.clientId));
  return { page, counts, people, status: query.status ?? '' };
}

export default function OpsWithdrawals() {
  const { page, counts, people, status } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="row between">
        <h1>Withdrawals</h1>
        <CsvExportLink path="/ops/withdrawals.csv" />
      </div>
      <StatusCounts statuses={WITHDRAWAL_STATUSES} counts={counts} status={status} />
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
                  <Link to={`/ops/withdrawals/${w.id}`}>
                    <Time at={w.createdAt} />
                  </Link>
                </td>
                <td>
                  <Person people={people} id={w.clientId} />
                </td>
                <td className="num">
                  <Money amount={w.amount} asset={w.currency} />
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
