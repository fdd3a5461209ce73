import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { REGISTRY_ACCOUNT_STATUSES } from '../../../domain/registry-account.js';
import { ListFilters, NextPageLink } from '../components/ListControls.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { listQuery } from '../list-query.server.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Registry accounts · backoffice · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'admin', 'auditor']);
  const query = listQuery(request, 'PENDING_VERIFICATION');
  const page = await context.services.registryAccounts.list(user, query);
  return { page, status: query.status ?? '' };
}

export default function OpsRegistryAccounts() {
  const { page, status } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Registry accounts</h1>
      <ListFilters statuses={REGISTRY_ACCOUNT_STATUSES} status={status} />
      <table className="grid">
        <thead>
          <tr>
            <th>Added</th>
            <th>Client</th>
            <th>Registry</th>
            <th>Account id</th>
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
              <tr key={account.id} data-registry-account-id={account.id}>
                <td>
                  <Link to={`/ops/registry-accounts/${account.id}`}>{formatTime(account.createdAt)}</Link>
                </td>
                <td>{account.clientEmail ?? account.clientId}</td>
                <td>{account.registry}</td>
                <td>{account.accountId}</td>
                <td>{account.holderName}</td>
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
