import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { BANK_ACCOUNT_STATUSES } from '../../../domain/bank-account.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';
import { ListFilters, NextPageLink } from '../components/ListControls.js';
import { listQuery } from '../list-query.server.js';

export const meta: MetaFunction = () => [{ title: 'Bank accounts · backoffice · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const query = listQuery(request, 'PENDING_VERIFICATION');
  const page = await context.services.bankAccounts.list(user, query);
  return { page, status: query.status ?? '' };
}

export default function OpsBankAccounts() {
  const { page, status } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Bank accounts</h1>
      <ListFilters statuses={BANK_ACCOUNT_STATUSES} status={status} />
      <table className="grid">
        <thead>
          <tr>
            <th>Added</th>
            <th>Client</th>
            <th>IBAN</th>
            <th>BIC</th>
            <th>Holder</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={6} className="muted">
                Nothing here.
              </td>
            </tr>
          ) : (
            page.items.map((account) => (
              <tr key={account.id} data-bank-account-id={account.id}>
                <td>
                  <Link to={`/ops/bank-accounts/${account.id}`}>{formatTime(account.createdAt)}</Link>
                </td>
                <td>{account.clientEmail ?? account.clientId}</td>
                <td>{account.ibanDisplay}</td>
                <td>{account.bic}</td>
                <td>{account.accountName}</td>
                <td>
                  <StatusBadge status={account.status} />
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
