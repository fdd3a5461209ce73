import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { WITHDRAWAL_STATUSES, groupIban } from '../../../domain/withdrawal.js';
import { CopyValue } from '../components/CopyButton.js';
import { Money } from '../components/Money.js';
import { Person } from '../components/Person.js';
import { StatementLink } from '../components/StatementLink.js';
import { Time } from '../components/Time.js';
import { StatusBadge } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';
import { ListHeader, NextPageLink, SortHeader } from '../components/ListControls.js';
import { staffListPage } from '../staff-list.server.js';

export const meta: MetaFunction = () => [{ title: 'Withdrawals · backoffice · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const withdrawals = context.services.withdrawals;
  const [list, counts] = await Promise.all([
    staffListPage(request, user, withdrawals),
    withdrawals.lists.counts(),
  ]);
  const people = await context.services.people(list.page.items.map((w) => w.clientId));
  return { ...list, counts, people };
}

export default function OpsWithdrawals() {
  const { page, counts, people, status, searching, sort } = useLoaderData<typeof loader>();
  return (
    <>
      <ListHeader
        title="Withdrawals"
        csvPath="/ops/withdrawals.csv"
        statuses={WITHDRAWAL_STATUSES}
        counts={counts}
        status={status}
      />
      <p className="muted" aria-live="polite">
        {searching ? `${page.items.length} found on this page` : `${page.items.length} shown`}
      </p>
      <table className="grid">
        <thead>
          <tr>
            <SortHeader column="created" label="Requested" sort={sort} firstDir="desc" />
            <SortHeader column="client" label="Client" sort={sort} />
            <SortHeader column="amount" label="Amount" sort={sort} numeric firstDir="desc" />
            <SortHeader column="iban" label="To" sort={sort} />
            <th scope="col">Approvals</th>
            <SortHeader column="status" label="Status" sort={sort} />
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
                  <StatementLink clientId={w.clientId} people={people} />
                </td>
                <td className="num">
                  <Money amount={w.amount} asset={w.currency} />
                </td>
                <td>
                  {w.bankAccount ? <CopyValue value={groupIban(w.bankAccount.iban)} label="IBAN" /> : '—'}
                </td>
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
